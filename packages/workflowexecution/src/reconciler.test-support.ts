import type { EventRecorder, ReconcileContext, RecordOutcome } from '@roundhouse/controller';
import { type ExecutionResult, type Executor, noopLogger, Registry } from '@roundhouse/core';
import type { KubeClient, KubeObject, Reader } from '@roundhouse/kube';
import { vi } from 'vitest';
import { ExecutionPolicySchema } from './execution-policy.js';
import { ExecutionsByTarget } from './executions-by-target.js';
import {
  WorkflowExecutionReconciler,
  type WorkflowExecutionReconcilerOptions,
} from './reconciler.js';

/*
 * The reconciler as its unit tests wire it, so each case names only the options and engine
 * answers it is about.
 */

/** What the controller's workqueue hands each reconcile; `signal` aborts it. */
export function reconcileContext(
  signal: AbortSignal = new AbortController().signal,
): ReconcileContext {
  return { signal, logger: noopLogger, attempt: 0 };
}

/** What an engine reports of a resource that runs and has not finished. */
export const engineRunning: ExecutionResult = {
  phase: 'Running',
  reason: 'Running',
  message: 'running',
  summary: { status: 'Unknown' },
};

/** What the job engine reports of a Job that succeeded, finished at `completionTime` if given. */
export const jobCompleted = (completionTime?: string): ExecutionResult => ({
  phase: 'Completed',
  reason: 'Succeeded',
  message: 'Job completed',
  summary: { status: 'True' },
  ...(completionTime ? { completionTime } : {}),
});

/**
 * A registry of the job engine alone: it creates wfe-0123456789abcdef, finds no resource and
 * cleans up without a word, except for what `overrides` changes.
 */
export function jobRegistry(overrides: Partial<Executor> = {}): Registry {
  return new Registry().register({
    engine: 'job',
    create: async () => ({ resourceName: 'wfe-0123456789abcdef', warnings: [] }),
    getStatus: async () => null,
    cleanup: async () => {},
    ...overrides,
  });
}

/**
 * A reconciler over `api`'s server and cache that admits every bundle, creates in namespace
 * `executions` and follows no other execution, except for what `options` changes.
 */
export function reconcilerOver(
  api: { client: KubeClient; reader: Reader },
  options: Partial<WorkflowExecutionReconcilerOptions> = {},
): WorkflowExecutionReconciler {
  return new WorkflowExecutionReconciler({
    client: api.client,
    reader: api.reader,
    registry: new Registry(),
    executions: { observe: () => {}, get: () => undefined },
    targets: new ExecutionsByTarget(),
    policy: ExecutionPolicySchema.parse({ bundles: ['*'] }),
    executionNamespace: 'executions',
    ...options,
  });
}

/**
 * A recorder that refuses a second Event under the same key, as the API server refuses a
 * second create of the same name, and says it `exists`; `recorded` lists the Events that were
 * created, in order, as `<type> <reason>: <message>`.
 */
export function keyedRecorder() {
  const keys = new Set<string>();
  const recorded: string[] = [];
  const events = {
    record: vi.fn(
      async (
        _o: KubeObject,
        type: string,
        reason: string,
        m: string,
        o?: { key?: string },
      ): Promise<RecordOutcome> => {
        if (o?.key !== undefined && keys.has(o.key)) return 'exists';
        if (o?.key !== undefined) keys.add(o.key);
        recorded.push(`${type} ${reason}: ${m}`);
        return 'created';
      },
    ),
  };
  return { events, recorder: events as unknown as EventRecorder, recorded };
}
