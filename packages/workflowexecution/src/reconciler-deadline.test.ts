import type { ExecutionResult } from '@roundhouse/core';
import { KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import {
  reconcileContext as ctx,
  engineRunning,
  jobRegistry,
  reconcilerOver,
} from './reconciler.test-support.js';

/** What the job engine reports once the Job controller's deadline killed a pod that exited 143. */
const jobDeadlineExceeded: ExecutionResult = {
  phase: 'Failed',
  reason: 'DeadlineExceeded',
  message: 'Job was active longer than specified deadline',
  summary: { status: 'False' },
  failureReason: 'DeadlineExceeded',
  exitCode: 143,
  started: true,
};

describe('WorkflowExecutionReconciler deadline grace', () => {
  it("by default leaves a workload its pod's whole termination grace past the deadline, so the engine's verdict keeps its exit code", async () => {
    const stored = storedExecution('slow', { executionConfig: { timeout: '1m' } });
    const api = executionServer({
      ...stored,
      status: {
        phase: 'Running',
        startTime: '2026-01-01T00:00:00Z',
        executionRef: { name: 'wfe-0123456789abcdef' },
        conditions: [],
      },
    });
    // The Job's deadline passed at 00:01:00; its pod got SIGTERM then and uses its default
    // 30 s of termination grace in full, and the Job controller records the verdict after it.
    let report = engineRunning;
    const cleanup = vi.fn(async () => {});
    let clock = new Date('2026-01-01T00:01:35Z');
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ getStatus: async () => report, cleanup }),
      // Watched, as Jobs are: every event is read at once, not on a poll schedule.
      watchedEngines: new Set(['job']),
      now: () => clock,
    });
    await reconciler.reconcile('team-a/slow', ctx());
    expect(cleanup).not.toHaveBeenCalled();
    expect(api.state.stored.status).toMatchObject({ phase: 'Running' });
    report = jobDeadlineExceeded;
    clock = new Date('2026-01-01T00:01:36Z');
    await reconciler.reconcile('team-a/slow', ctx());
    expect(cleanup).not.toHaveBeenCalled();
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: { reason: 'DeadlineExceeded', exitCode: 143 },
    });
  });

  it('gives up a start that keeps failing with a retryable error once the timeout has passed since its creation, with no spec.timesOutAt', async () => {
    const stored = storedExecution('busy', { executionConfig: { timeout: '2m' } });
    const api = executionServer({
      ...stored,
      metadata: { ...stored.metadata, creationTimestamp: '2026-01-01T00:00:00Z' },
    });
    // The API server answers every create 503; the last one may have made the Job all the same.
    // It goes before the failure is written: a crash between leaves no Job under a Failed
    // execution, and the start is retried (and given up) again.
    const phasesAtCleanup: unknown[] = [];
    const cleanup = vi.fn(async () => {
      phasesAtCleanup.push((api.state.stored.status as { phase?: string }).phase);
    });
    let clock = new Date('2026-01-01T00:01:59Z');
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({
        create: async () => {
          throw new KubernetesApiError('Unavailable', 'etcd is busy', 503);
        },
        cleanup,
      }),
      // The execution's own timeout bounds it, not the shorter default.
      defaultTimeoutMs: 60_000,
      now: () => clock,
    });
    await expect(reconciler.reconcile('team-a/busy', ctx())).rejects.toThrow('etcd is busy');
    expect(api.state.stored.status).toMatchObject({
      phase: 'Pending',
      conditions: [{ type: 'Waiting', reason: 'CreateFailed' }],
    });
    clock = new Date('2026-01-01T00:02:00Z');
    expect(await reconciler.reconcile('team-a/busy', ctx())).toBeUndefined();
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: {
        reason: 'DeadlineExceeded',
        message:
          'the execution could not be started within its timeout of 2m: Failed to create job execution resource: etcd is busy',
        wasExecutionFailure: false,
      },
    });
    expect(phasesAtCleanup).toEqual(['Pending']);
  });

  it('fails a start given up on even when what a lost create made cannot be removed yet', async () => {
    const stored = storedExecution('busy');
    const api = executionServer({
      ...stored,
      metadata: { ...stored.metadata, creationTimestamp: '2026-01-01T00:00:00Z' },
    });
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({
        create: async () => {
          throw new KubernetesApiError('Timeout', 'no answer', 504);
        },
        cleanup: async () => {
          throw new KubernetesApiError('Forbidden', 'jobs.batch "wfe-0" is forbidden', 403);
        },
      }),
      defaultTimeoutMs: 60_000,
      now: () => new Date('2026-01-01T00:01:00Z'),
    });
    expect(await reconciler.reconcile('team-a/busy', ctx())).toBeUndefined();
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: {
        reason: 'DeadlineExceeded',
        message: expect.stringContaining('within its default timeout of 60s'),
      },
    });
  });
});
