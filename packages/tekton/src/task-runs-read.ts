import {
  type Conventions,
  conventionKeys,
  type ExecutionRead,
  type ResourceType,
} from '@roundhouse/core';
import { cacheMetadata, definedFields, isPlainRecord, trimmedForCache } from '@roundhouse/kube';
import { pipelineRunLabel } from './status.js';

/**
 * What a PipelineRun's status checks read besides the run: its child TaskRuns. Tekton copies a
 * PipelineRun's labels onto the TaskRuns it creates, so every child of a run this engine built
 * carries the execution label; a controller caches those (`Executor.reads`), and a running
 * pipeline's checks cost no request. A child without the label (one made by hand, as
 * kubernaut's tests make them) is still read by name from the API server.
 */
export function taskRunsRead(conventions: Conventions, taskRunType: ResourceType): ExecutionRead {
  return Object.freeze({
    resource: taskRunType,
    labelSelector: conventionKeys(conventions).workflowExecutionLabel,
    transform: cachedTaskRun,
  });
}

/**
 * The children of the PipelineRun `runName`, asked for with `taskRunsRead`'s selector narrowed
 * to the run, so a controller's cache answers from memory and the API server gives the same
 * answer.
 */
export function childTaskRunsSelector(conventions: Conventions, runName: string): string {
  return `${conventionKeys(conventions).workflowExecutionLabel},${pipelineRunLabel}=${runName}`;
}

/**
 * The cache transform for TaskRuns: what `TaskRunStateSchema` reads (the conditions, each step's
 * name, container, whether it runs and how it ended, the creation time those endings are told
 * apart by, and how many earlier attempts Tekton retried) and the metadata the cache holds objects
 * by. A TaskRun's status repeats its whole Task spec, every step's results and every earlier
 * attempt's whole status, which a cache of many runs need not hold: an attempt is kept as `{}`.
 * Picked by hand, as it runs on every event; the engine parses what it reads back, and a TaskRun
 * of a shape this cannot read is kept whole for that parse to report.
 */
export function cachedTaskRun(taskRun: object): object {
  return trimmedForCache(taskRun, {
    metadata: (metadata) =>
      definedFields({ ...cacheMetadata(metadata), creationTimestamp: metadata.creationTimestamp }),
    status: (status) => {
      const { steps, retriesStatus: retries } = status;
      if (
        (steps !== undefined && !Array.isArray(steps)) ||
        (retries !== undefined && !Array.isArray(retries))
      )
        return undefined;
      return definedFields({
        conditions: status.conditions,
        steps: steps?.map((step: unknown) => (isPlainRecord(step) ? cachedStep(step) : step)),
        retriesStatus: retries?.map(() => ({})),
      });
    },
  });
}

function cachedStep(step: Record<string, unknown>): Record<string, unknown> {
  const { terminated } = step;
  return definedFields({
    name: step.name,
    container: step.container,
    terminationReason: step.terminationReason,
    running: isPlainRecord(step.running) ? {} : step.running,
    terminated: isPlainRecord(terminated)
      ? definedFields({
          exitCode: terminated.exitCode,
          reason: terminated.reason,
          startedAt: terminated.startedAt,
        })
      : terminated,
  });
}
