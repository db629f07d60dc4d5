import {
  Controller,
  type EventRecorder,
  ExponentialBackoffRateLimiter,
  type Reconciler,
} from '@roundhouse/controller';
import { ResourceLockedError } from '@roundhouse/core';
import { type KubeObject, KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import type { WorkflowExecutionReconcilerOptions } from './reconciler.js';
import {
  engineRunning,
  jobRegistry,
  reconcileContext,
  reconcilerOver,
} from './reconciler.test-support.js';
import { workflowExecutionApi } from './resource.js';

/*
 * A decided write that the API server never answers holds no worker: a controller of one worker
 * serves another key meanwhile (ReconcileContext.releaseWorker), on each failure path whose
 * Failed write is the reconcile's last act, and on each other path whose last act is a decided
 * status write.
 */

const now = new Date('2026-01-01T00:10:00Z');
const patience = { timeout: 5_000, interval: 5 };

/** `stored` Running on the job engine's resource since a minute before `now`. */
function running(stored: KubeObject): KubeObject {
  return {
    ...stored,
    status: {
      phase: 'Running',
      startTime: '2026-01-01T00:09:00Z',
      executionRef: { name: 'wfe-0123456789abcdef' },
      conditions: [],
    },
  };
}

/** Running under kubernaut.ai, naming no engine, no resource recorded (UT-WE-659-005). */
function unnamedEngineRunning(): KubeObject {
  const stored = storedExecution('w');
  const { executionEngine: _, ...spec } = stored.spec as Record<string, unknown>;
  const { executionRef: __, ...status } = running(stored).status as Record<string, unknown>;
  return { ...stored, apiVersion: 'kubernaut.ai/v1alpha1', spec, status };
}

/** Holds the write that calls it until the test lets it through. */
type Stall = () => Promise<void>;

interface LastWritePath {
  readonly name: string;
  readonly stored: KubeObject;
  /** The reconciler's options; a write that is not a status write is held by calling `stall`. */
  readonly options: (stall: Stall) => Partial<WorkflowExecutionReconcilerOptions>;
  /** What happens before the controller runs, on the reconciler it will run. */
  readonly before?: (reconcile: () => Promise<unknown>) => Promise<void>;
}

interface FailurePath extends LastWritePath {
  readonly reason: string;
}

/**
 * A path whose last write is not a Failed one: the status write `stalls` picks, or, without it,
 * a write its options hold; and the status stored once it was let through.
 */
interface OtherWritePath extends LastWritePath {
  readonly stalls?: (status: Record<string, unknown>) => boolean;
  readonly written: Record<string, unknown>;
}

const busy = new KubernetesApiError('Unavailable', 'etcd is busy', 503);

let clock = now;

const paths: FailurePath[] = [
  {
    name: 'a resource deleted mid-run',
    stored: running(storedExecution('w')),
    reason: 'ExecutionResourceDeleted',
    options: () => ({ registry: jobRegistry({ getStatus: async () => null }) }),
  },
  {
    name: 'an engine no longer registered',
    stored: running(storedExecution('w', { executionEngine: 'tekton' })),
    reason: 'UnsupportedEngine',
    options: () => ({ registry: jobRegistry() }),
  },
  {
    name: 'an overdue execution, once stopped',
    stored: running(storedExecution('w', { executionConfig: { timeout: '30s' } })),
    reason: 'DeadlineExceeded',
    options: () => ({
      registry: jobRegistry({ getStatus: async () => engineRunning }),
      deadlineGraceMs: 0,
    }),
  },
  {
    name: 'a start refused as Deduplicated',
    stored: storedExecution('w'),
    reason: 'Deduplicated',
    options: () => ({
      registry: jobRegistry({
        create: async () => {
          throw new ResourceLockedError('wfe-0123456789abcdef', { namespace: 'team-a', name: 'x' });
        },
      }),
    }),
  },
  {
    name: 'a start given up on',
    stored: storedExecution('w', { executionConfig: { timeout: '1m' } }),
    reason: 'DeadlineExceeded',
    options: () => ({
      registry: jobRegistry({
        create: async () => {
          throw busy;
        },
      }),
    }),
    // Its create fails retryably a minute before the pass that gives it up.
    async before(reconcile) {
      clock = new Date(now.getTime() - 60_000);
      await expect(reconcile()).rejects.toBe(busy);
      clock = now;
    },
  },
  {
    name: 'a Running execution under kubernaut.ai that names no engine and records no resource',
    stored: unnamedEngineRunning(),
    reason: 'ConfigurationError',
    options: () => ({ registry: jobRegistry(), api: workflowExecutionApi('kubernaut.ai') }),
  },
  {
    name: 'a spec that does not parse',
    stored: { ...storedExecution('w'), spec: { targetResource: 'team-a/deployment/app' } },
    reason: 'ConfigurationError',
    options: () => ({ registry: jobRegistry() }),
  },
];

/** `stored` Failed at `now` (its workflow ran), its completion time not recorded by anyone. */
function failedWithoutCompletionTime(): KubeObject {
  const stored = running(storedExecution('w'));
  return { ...stored, status: { ...(stored.status as object), phase: 'Failed' } };
}

/** `stored` Completed at `at`, its lock not yet released. */
function completedAt(at: Date): KubeObject {
  const stored = running(storedExecution('w'));
  return {
    ...stored,
    status: { ...(stored.status as object), phase: 'Completed', completionTime: at.toISOString() },
  };
}

const otherWrites: OtherWritePath[] = [
  {
    name: 'the CreateFailed wait of a start whose create failed retryably, before its retry',
    stored: storedExecution('w'),
    options: () => ({
      registry: jobRegistry({
        create: async () => {
          throw busy;
        },
      }),
    }),
    stalls: (status) => status.phase === 'Pending',
    written: {
      phase: 'Pending',
      conditions: expect.arrayContaining([expect.objectContaining({ reason: 'CreateFailed' })]),
    },
  },
  {
    name: 'the completion time of a finished execution that records none',
    stored: failedWithoutCompletionTime(),
    options: () => ({ registry: jobRegistry() }),
    stalls: (status) => status.completionTime !== undefined,
    written: { phase: 'Failed', completionTime: '2026-01-01T00:10:00Z' },
  },
  {
    name: "the engine told again, during the cooldown, that the result is recorded (a Pod's finalizer removed)",
    stored: completedAt(now),
    options: (stall) => ({ registry: jobRegistry({ resultRecorded: stall }) }),
    written: { phase: 'Completed', conditions: [] },
  },
  {
    name: 'the CleanupFailed Event of a release whose cleanup failed, before its retry',
    stored: completedAt(new Date(now.getTime() - 10 * 60_000)),
    options: (stall) => ({
      registry: jobRegistry({
        cleanup: async () => {
          throw busy;
        },
      }),
      events: {
        record: async () => {
          await stall();
          return 'created';
        },
      } as unknown as EventRecorder,
    }),
    written: { phase: 'Completed', conditions: [] },
  },
];

/**
 * Runs `path`'s execution on a controller of one worker with its first held write (the status
 * write `stalls` picks, or one its options hold) held until another key has been served, and
 * returns the status stored once the write was let through.
 */
async function servedWhileStalled(
  path: LastWritePath,
  stalls?: (status: Record<string, unknown>) => boolean,
): Promise<unknown> {
  clock = now;
  // The write is taken and answered only once the test opens the gate.
  const seen: string[] = [];
  let open = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let held = false;
  const stall = async () => {
    if (!held) return;
    if (seen.length === 0) seen.push('stalled');
    await gate;
  };
  const api = executionServer(path.stored);
  const execution = reconcilerOver(api, { ...path.options(stall), now: () => clock });
  await path.before?.(() => execution.reconcile('team-a/w', reconcileContext()));
  held = true;
  const send = api.patch.getMockImplementation();
  api.patch.mockImplementation(async (...args) => {
    const status = (args[3] as { status?: Record<string, unknown> }).status;
    if (status && stalls?.(status)) await stall();
    if (!send) throw new Error('the execution server patches nothing');
    return send(...args);
  });
  const served: string[] = [];
  const reconciler: Reconciler = {
    async reconcile(key, ctx) {
      if (key === 'team-a/w') return execution.reconcile(key, ctx);
      served.push(key);
      return undefined;
    },
  };
  // A reconcile that throws after its write (a retried start) is not run again during the test.
  const rateLimiter = new ExponentialBackoffRateLimiter<string>(60_000);
  const controller = new Controller({ name: 'stall', reconciler, workers: 1, rateLimiter });
  const stop = new AbortController();
  const done = controller.start(stop.signal);
  try {
    controller.enqueue('team-a/w');
    await vi.waitFor(() => expect(seen).toEqual(['stalled']), patience);
    controller.enqueue('team-a/other');
    await vi.waitFor(() => expect(served).toEqual(['team-a/other']), patience);
    expect(controller.reconciling).toEqual(['team-a/w']);
  } finally {
    open();
    await vi.waitFor(() => expect(controller.reconciling).toEqual([]), patience);
    stop.abort();
    await done;
  }
  return api.state.stored.status;
}

describe('WorkflowExecutionReconciler: a stalled Failed write after the worker was let go', () => {
  it.each(paths)('serves another key meanwhile: $name', async (path) => {
    const status = await servedWhileStalled(path, (s) => s.phase === 'Failed');
    expect(status).toMatchObject({ phase: 'Failed', failureDetails: { reason: path.reason } });
  });
});

describe('WorkflowExecutionReconciler: another stalled last write after the worker was let go', () => {
  it.each(otherWrites)('serves another key meanwhile: $name', async (path) => {
    expect(await servedWhileStalled(path, path.stalls)).toMatchObject(path.written);
  });
});
