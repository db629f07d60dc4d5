/*
 * kubernaut's BR-WE-008 (its E2E 02_observability_test.go at d5a4a87): /metrics shows
 * workflowexecution_reconciler_total and workflowexecution_reconciler_duration_seconds with an
 * `outcome` label, and the Completed and Failed counts move when an execution ends that way.
 */
import type { ExecutionResult } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { Registry as MetricsRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ExecutionPolicySchema } from './execution-policy.js';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import { outcomeMetrics } from './outcome-metrics.js';
import {
  reconcileContext as ctx,
  jobCompleted,
  jobRegistry,
  reconcilerOver,
  engineRunning as stillRunning,
} from './reconciler.test-support.js';

function running(initial: KubeObject, result: () => ExecutionResult, registry: MetricsRegistry) {
  const api = executionServer(initial);
  const clock = { now: new Date('2026-01-01T00:00:00Z') };
  const reconciler = reconcilerOver(api, {
    registry: jobRegistry({ getStatus: async () => result() }),
    policy: ExecutionPolicySchema.parse({ bundles: ['*'], dependencyOptIn: false }),
    executionNamespace: 'kubernaut-workflows',
    watchedEngines: new Set(['job']),
    outcomes: outcomeMetrics(registry),
    now: () => clock.now,
  });
  return { api, clock, reconcile: () => reconciler.reconcile('team-a/restart', ctx()) };
}

async function value(registry: MetricsRegistry, name: string, outcome: string) {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => v.labels.outcome === outcome && !('le' in v.labels))?.value;
}

describe('outcome metrics', () => {
  it('BR-WE-008: counts a Completed execution once, observing how long it ran, under kubernaut names', async () => {
    const registry = new MetricsRegistry();
    let result = stillRunning;
    const run = running(storedExecution('restart'), () => result, registry);
    await run.reconcile();
    await run.reconcile();
    expect(run.api.state.stored.status).toMatchObject({ phase: 'Running' });
    run.clock.now = new Date('2026-01-01T00:00:40Z');
    result = jobCompleted('2026-01-01T00:00:30Z');
    await run.reconcile();
    // A resync during the cooldown records nothing again.
    await run.reconcile();
    expect(run.api.state.stored.status).toMatchObject({ phase: 'Completed' });
    expect(await value(registry, 'workflowexecution_reconciler_total', 'Completed')).toBe(1);
    expect(await value(registry, 'workflowexecution_reconciler_total', 'Failed')).toBeUndefined();
    const text = await registry.metrics();
    expect(text).toContain('workflowexecution_reconciler_total{outcome="Completed"} 1');
    expect(text).toContain(
      'workflowexecution_reconciler_duration_seconds_sum{outcome="Completed"} 30',
    );
    expect(text).toContain(
      'workflowexecution_reconciler_duration_seconds_bucket{le="40",outcome="Completed"} 1',
    );
  });

  it('BR-WE-008: counts a Failed execution once, a refused one too (0 seconds, as kubernaut)', async () => {
    const registry = new MetricsRegistry();
    const failedRun = running(
      storedExecution('restart'),
      () => ({
        phase: 'Failed',
        reason: 'BackoffLimitExceeded',
        message: 'step exited with code 1',
        summary: { status: 'False' },
        exitCode: 1,
        started: true,
      }),
      registry,
    );
    await failedRun.reconcile();
    failedRun.clock.now = new Date('2026-01-01T00:00:12Z');
    await failedRun.reconcile();
    await failedRun.reconcile();
    expect(failedRun.api.state.stored.status).toMatchObject({ phase: 'Failed' });

    const refused = running(
      storedExecution('restart', { targetResource: 'a/b/c/d' }),
      () => stillRunning,
      registry,
    );
    await refused.reconcile();
    await refused.reconcile();
    expect(refused.api.state.stored.status).toMatchObject({ phase: 'Failed' });

    expect(await value(registry, 'workflowexecution_reconciler_total', 'Failed')).toBe(2);
    expect(
      await value(registry, 'workflowexecution_reconciler_total', 'Completed'),
    ).toBeUndefined();
    expect(await registry.metrics()).toContain(
      'workflowexecution_reconciler_duration_seconds_sum{outcome="Failed"} 12',
    );
  });

  it('shares the metrics of a registry another controller of the process registered them on', () => {
    const registry = new MetricsRegistry();
    const first = outcomeMetrics(registry);
    const second = outcomeMetrics(registry);
    first.finished('Completed', 1);
    second.finished('Completed', 2);
    return expect(value(registry, 'workflowexecution_reconciler_total', 'Completed')).resolves.toBe(
      2,
    );
  });
});
