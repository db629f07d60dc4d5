import { type ExecutionResult, ResourceLockedError } from '@roundhouse/core';
import { KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import { ExecutionsByTarget } from './executions-by-target.js';
import { execution } from './executions-by-target.test-support.js';
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

/** `storedExecution(name)` created at 2026-01-01T00:00:00Z. */
function createdAtMidnight(name: string) {
  const stored = storedExecution(name);
  return { ...stored, metadata: { ...stored.metadata, creationTimestamp: '2026-01-01T00:00:00Z' } };
}

/**
 * The job engine over an API server whose creates fail in turn as `answers` says: `unavailable`
 * (503, nothing made) or `lost` (504, the Job made all the same); a create of a Job that exists
 * adopts it, and a status read finds a Job the API server holds. Cleanup deletes what the
 * informer cache shows, which sees a Job only once its watch event arrived (`catchUp`, between
 * passes); `happened` lists each deletion. `orphans` answers from that cache as
 * OrphanedResources does: the Job it shows is the execution's own.
 */
function jobsBehindACache(answers: ('unavailable' | 'lost')[]) {
  const name = 'wfe-0123456789abcdef';
  const server = new Set<string>();
  const cache = new Set<string>();
  const happened: string[] = [];
  return {
    server,
    happened,
    catchUp: () => {
      for (const job of server) cache.add(job);
    },
    create: async () => {
      if (server.has(name)) return { resourceName: name, warnings: [], adoptedKind: 'Job' };
      if (answers.shift() === 'unavailable')
        throw new KubernetesApiError('Unavailable', 'etcd is busy', 503);
      server.add(name);
      throw new KubernetesApiError('Timeout', 'no answer', 504);
    },
    getStatus: async () => (server.has(name) ? engineRunning : null),
    orphans: {
      release: async () => {},
      createdFor: () => (cache.has(name) ? { name, kind: 'Job' } : undefined),
      holds: () => false,
    },
    cleanup: async (api: Pick<ReturnType<typeof executionServer>, 'state'>) => {
      for (const job of cache) {
        server.delete(job);
        cache.delete(job);
        happened.push(
          `deleted ${job} while ${(api.state.stored.status as { phase?: string }).phase}`,
        );
      }
    },
  };
}

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

  it('fails an execution past its deadline whose engine refuses both the status read and the cleanup (a revoked token), and keeps its target locked until the cleanup succeeds', async () => {
    const api = executionServer({
      ...storedExecution('revoked'),
      status: {
        phase: 'Running',
        startTime: '2026-01-01T00:00:00Z',
        executionRef: { name: 'wfe-0123456789abcdef' },
        conditions: [],
      },
    });
    const revoked = () => new KubernetesApiError('Unauthorized', 'token revoked', 401);
    let cleanupRefused = true;
    const cleanup = vi.fn(async () => {
      if (cleanupRefused) throw revoked();
    });
    let clock = new Date('2026-01-01T00:10:00Z');
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({
        getStatus: async () => {
          throw revoked();
        },
        cleanup,
      }),
      defaultTimeoutMs: 60_000,
      deadlineGraceMs: 0,
      cooldownMs: 60_000,
      now: () => clock,
    });
    await reconciler.reconcile('team-a/revoked', ctx());
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: {
        reason: 'DeadlineExceeded',
        message: expect.stringContaining('token revoked'),
      },
    });
    const released = () =>
      (
        api.state.stored.status as { conditions?: { type: string; status: string }[] }
      ).conditions?.find((c) => c.type === 'LockReleased')?.status;
    // After the cooldown the cleanup is retried before the lock goes, and holds it while refused.
    clock = new Date('2026-01-01T00:12:00Z');
    await expect(reconciler.reconcile('team-a/revoked', ctx())).rejects.toMatchObject({
      statusCode: 401,
    });
    expect(released()).not.toBe('True');
    cleanupRefused = false;
    await reconciler.reconcile('team-a/revoked', ctx());
    expect(released()).toBe('True');
  });

  it('retries a start whose first create fails long after the execution was created, and gives it up once the timeout has passed since that failure, with no spec.timesOutAt', async () => {
    // Created two hours ago and held back since (a busy target, a cooldown): its first create
    // is the first chance it had, and a transient 503 does not end it.
    const stored = storedExecution('busy', { executionConfig: { timeout: '1h' } });
    const api = executionServer({
      ...stored,
      metadata: { ...stored.metadata, creationTimestamp: '2026-01-01T00:00:00Z' },
    });
    const create = vi.fn(async () => {
      throw new KubernetesApiError('Unavailable', 'etcd is busy', 503);
    });
    let clock = new Date('2026-01-01T02:00:00Z');
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ create }),
      // The execution's own timeout bounds it, not the shorter default.
      defaultTimeoutMs: 60_000,
      now: () => clock,
    });
    await expect(reconciler.reconcile('team-a/busy', ctx())).rejects.toThrow('etcd is busy');
    expect(api.state.stored.status).toMatchObject({
      phase: 'Pending',
      conditions: [
        { type: 'Waiting', reason: 'CreateFailed' },
        { type: 'StartFailing', status: 'True', lastTransitionTime: '2026-01-01T02:00:00Z' },
      ],
    });
    clock = new Date('2026-01-01T02:59:59Z');
    await expect(reconciler.reconcile('team-a/busy', ctx())).rejects.toThrow('etcd is busy');
    expect(create).toHaveBeenCalledTimes(2);
    expect(api.state.stored.status).toMatchObject({ phase: 'Pending' });
    clock = new Date('2026-01-01T03:00:00Z');
    expect(await reconciler.reconcile('team-a/busy', ctx())).toBeUndefined();
    expect(create).toHaveBeenCalledTimes(2);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: {
        reason: 'DeadlineExceeded',
        message:
          'the execution could not be started within its timeout of 1h: Failed to create job execution resource: etcd is busy',
        wasExecutionFailure: false,
      },
    });
  });

  it('gives up a start alternating between a failing create and a target held by another execution a timeout after its first failure, though each new reason starts the Waiting time anew', async () => {
    const api = executionServer(createdAtMidnight('busy'));
    // 503, held, 503, held, ...: every create meets one or the other.
    let attempts = 0;
    const create = vi.fn(async () => {
      attempts += 1;
      if (attempts % 2 === 0)
        throw new ResourceLockedError('wfe-0123456789abcdef', { namespace: 'team-a', name: 'x' });
      throw new KubernetesApiError('Unavailable', 'etcd is busy', 503);
    });
    let clock = new Date('2026-01-01T00:00:00Z');
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ create }),
      lockPolicy: 'wait',
      defaultTimeoutMs: 60_000,
      now: () => clock,
    });
    const seconds = (s: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + s * 1000);
    for (const at of [0, 20, 40, 50]) {
      clock = seconds(at);
      await expect(reconciler.reconcile('team-a/busy', ctx())).rejects.toThrow();
    }
    expect(api.state.stored.status).toMatchObject({
      phase: 'Pending',
      conditions: expect.arrayContaining([
        expect.objectContaining({
          type: 'Waiting',
          reason: 'TargetLocked',
          lastTransitionTime: '2026-01-01T00:00:50Z',
        }),
      ]),
    });
    clock = seconds(55);
    await expect(reconciler.reconcile('team-a/busy', ctx())).rejects.toThrow('etcd is busy');
    expect(create).toHaveBeenCalledTimes(5);
    // The create failed at 0 s first: at 60 s it is given up, before creating again.
    clock = seconds(60);
    expect(await reconciler.reconcile('team-a/busy', ctx())).toBeUndefined();
    expect(create).toHaveBeenCalledTimes(5);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureDetails: {
        reason: 'DeadlineExceeded',
        message:
          'the execution could not be started within its default timeout of 60s: Failed to create job execution resource: etcd is busy',
      },
    });
  });

  it('counts a failing start anew after a cooldown wait (an execution ran on the target and finished), so one failed create after that wait is retried, not given up', async () => {
    const api = executionServer(createdAtMidnight('busy'));
    const create = vi.fn(async () => {
      throw new KubernetesApiError('Unavailable', 'etcd is busy', 503);
    });
    const targets = new ExecutionsByTarget();
    let clock = new Date('2026-01-01T00:00:00Z');
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ create }),
      targets,
      cooldownMs: 5 * 60_000,
      defaultTimeoutMs: 60_000,
      now: () => clock,
    });
    await expect(reconciler.reconcile('team-a/busy', ctx())).rejects.toThrow('etcd is busy');
    // Another execution of the target finishes: its cooldown holds this start back 5 minutes.
    targets.upsert(
      execution('done', 'Completed', {
        completionTime: '2026-01-01T00:00:10Z',
        target: 'team-a/deployment/app',
      }),
    );
    clock = new Date('2026-01-01T00:00:20Z');
    expect(await reconciler.reconcile('team-a/busy', ctx())).toMatchObject({
      requeueAfter: 290_000,
    });
    expect(api.state.stored.status).toMatchObject({
      phase: 'Pending',
      conditions: expect.arrayContaining([
        expect.objectContaining({ type: 'Waiting', reason: 'CooldownActive' }),
        expect.objectContaining({ type: 'StartFailing', status: 'False', reason: 'Waited' }),
      ]),
    });
    clock = new Date('2026-01-01T00:05:10Z');
    await expect(reconciler.reconcile('team-a/busy', ctx())).rejects.toThrow('etcd is busy');
    // Counted from 00:05:10, not from the failure before the wait: retried.
    clock = new Date('2026-01-01T00:05:20Z');
    await expect(reconciler.reconcile('team-a/busy', ctx())).rejects.toThrow('etcd is busy');
    expect(create).toHaveBeenCalledTimes(3);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Pending',
      conditions: expect.arrayContaining([
        expect.objectContaining({
          type: 'StartFailing',
          status: 'True',
          lastTransitionTime: '2026-01-01T00:05:10Z',
        }),
      ]),
    });
  });

  it('counts a failing start anew after a long wait on a holder that ran and went without a cooldown, so one failed create after that wait is retried, not given up', async () => {
    const stored = storedExecution('busy', { executionConfig: { timeout: '30m' } });
    const api = executionServer({
      ...stored,
      metadata: { ...stored.metadata, creationTimestamp: '2026-01-01T00:00:00Z' },
    });
    const create = vi.fn(async () => {
      throw new KubernetesApiError('Unavailable', 'etcd is busy', 503);
    });
    const targets = new ExecutionsByTarget();
    let clock = new Date('2026-01-01T00:00:00Z');
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ create }),
      targets,
      lockPolicy: 'wait',
      now: () => clock,
    });
    await expect(reconciler.reconcile('team-a/busy', ctx())).rejects.toThrow('etcd is busy');
    // Another execution (another engine, so the Job's name does not keep them apart) runs on
    // the target for an hour, then its author deletes it: no cooldown follows.
    const holder = execution('holder', 'Running', { target: 'team-a/deployment/app' });
    targets.upsert(holder);
    for (const at of ['00:00:05', '00:40:00']) {
      clock = new Date(`2026-01-01T${at}Z`);
      await expect(reconciler.reconcile('team-a/busy', ctx())).rejects.toThrow('held by');
    }
    expect(api.state.stored.status).toMatchObject({
      phase: 'Pending',
      conditions: expect.arrayContaining([
        expect.objectContaining({ type: 'Waiting', reason: 'TargetLocked' }),
        expect.objectContaining({ type: 'StartFailing', status: 'False', reason: 'Waited' }),
      ]),
    });
    targets.remove(holder);
    clock = new Date('2026-01-01T01:00:00Z');
    await expect(reconciler.reconcile('team-a/busy', ctx())).rejects.toThrow('etcd is busy');
    // Counted from 01:00, not from the failure before the wait: retried.
    clock = new Date('2026-01-01T01:00:05Z');
    await expect(reconciler.reconcile('team-a/busy', ctx())).rejects.toThrow('etcd is busy');
    expect(create).toHaveBeenCalledTimes(3);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Pending',
      conditions: expect.arrayContaining([
        expect.objectContaining({
          type: 'StartFailing',
          status: 'True',
          lastTransitionTime: '2026-01-01T01:00:00Z',
        }),
      ]),
    });
  });

  it('adopts the Job a later create made once an earlier one failed, though its answer was lost and the timeout has passed since that first failure', async () => {
    // 503 (StartFailing True from 00:00), then a create whose answer is lost though the Job is
    // made (a 504, or a controller killed before the Running write): the workflow runs.
    const jobs = jobsBehindACache(['unavailable', 'lost']);
    const api = executionServer(createdAtMidnight('busy'));
    let clock = new Date('2026-01-01T00:00:00Z');
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({
        create: jobs.create,
        getStatus: jobs.getStatus,
        cleanup: () => jobs.cleanup(api),
      }),
      orphans: jobs.orphans,
      defaultTimeoutMs: 60_000,
      now: () => clock,
    });
    await expect(reconciler.reconcile('team-a/busy', ctx())).rejects.toThrow('etcd is busy');
    clock = new Date('2026-01-01T00:00:30Z');
    await expect(reconciler.reconcile('team-a/busy', ctx())).rejects.toThrow('no answer');
    jobs.catchUp();
    clock = new Date('2026-01-01T00:01:00Z');
    await reconciler.reconcile('team-a/busy', ctx());
    expect(jobs.happened).toEqual([]);
    expect(jobs.server.size).toBe(1);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Running',
      executionRef: { name: 'wfe-0123456789abcdef' },
    });
    expect(api.state.stored.status).not.toHaveProperty('failureDetails');
  });

  it('creates nothing at the pass that gives a failing start up, so no Job the cache cannot see yet is left running under the failed execution', async () => {
    const jobs = jobsBehindACache(['unavailable', 'lost']);
    const api = executionServer(createdAtMidnight('busy'));
    let clock = new Date('2026-01-01T00:00:00Z');
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({
        create: jobs.create,
        getStatus: jobs.getStatus,
        cleanup: () => jobs.cleanup(api),
      }),
      orphans: jobs.orphans,
      defaultTimeoutMs: 60_000,
      now: () => clock,
    });
    await expect(reconciler.reconcile('team-a/busy', ctx())).rejects.toThrow('etcd is busy');
    clock = new Date('2026-01-01T00:01:00Z');
    expect(await reconciler.reconcile('team-a/busy', ctx())).toBeUndefined();
    expect(api.state.stored.status).toMatchObject({ phase: 'Failed' });
    expect(jobs.server.size).toBe(0);
  });

  it('fails a start given up on even when what a lost create made cannot be removed yet', async () => {
    const stored = storedExecution('busy');
    const api = executionServer({
      ...stored,
      metadata: { ...stored.metadata, creationTimestamp: '2026-01-01T00:00:00Z' },
    });
    let clock = new Date('2026-01-01T00:00:00Z');
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
      now: () => clock,
    });
    await expect(reconciler.reconcile('team-a/busy', ctx())).rejects.toThrow('no answer');
    clock = new Date('2026-01-01T00:01:00Z');
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
