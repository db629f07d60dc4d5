import { Counter, Histogram, type Registry } from 'prom-client';

/*
 * How executions end, under the names, label and buckets of kubernaut's controller (its
 * pkg/workflowexecution/metrics): the dashboards, alerts and SLOs written for it read these.
 */

export const executionTotalMetric = 'workflowexecution_reconciler_total';
export const executionDurationMetric = 'workflowexecution_reconciler_duration_seconds';

/** The `outcome` label: the phase the execution ended in. */
export type ExecutionOutcome = 'Completed' | 'Failed';

export interface OutcomeMetrics {
  /** An execution ended, `seconds` after it started (0 when it never started). */
  finished(outcome: ExecutionOutcome, seconds: number): void;
}

/** kubernaut's buckets, 5 s doubling to 320 s (prometheus.ExponentialBuckets(5, 2, 7)). */
const durationBuckets = [5, 10, 20, 40, 80, 160, 320];

/**
 * Registers the two metrics on `registry`, or takes them from it when another controller of
 * the process registered them already (a registry refuses a second metric of a name).
 */
export function outcomeMetrics(registry: Registry): OutcomeMetrics {
  const registers = [registry];
  const total =
    (registry.getSingleMetric(executionTotalMetric) as Counter<'outcome'> | undefined) ??
    new Counter({
      name: executionTotalMetric,
      help: 'Total number of workflow executions by outcome',
      labelNames: ['outcome'],
      registers,
    });
  const duration =
    (registry.getSingleMetric(executionDurationMetric) as Histogram<'outcome'> | undefined) ??
    new Histogram({
      name: executionDurationMetric,
      help: 'Workflow execution duration in seconds',
      labelNames: ['outcome'],
      buckets: durationBuckets,
      registers,
    });
  return {
    finished(outcome, seconds) {
      total.inc({ outcome });
      duration.observe({ outcome }, seconds);
    },
  };
}
