import { markLaunched, markProgress, markQueued, phaseOf } from '@roundhouse/controller';
import {
  conventionKeys,
  type Executor,
  noopLogger,
  Registry,
  ResourceLockedError,
  roundhouseConventions,
} from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { TaskActionReconciler } from './reconciler.js';
import { abortFinalizer } from './resource.js';
import { taskJobExecutor } from './task-executor.js';

const now = new Date('2026-03-01T10:00:00Z');
const keys = conventionKeys(roundhouseConventions);
const queued: KubeObject = {
  metadata: {
    name: 'run1-a1',
    namespace: 'ns',
    uid: 'u1',
    resourceVersion: '7',
    generation: 1,
    finalizers: [abortFinalizer],
  },
  spec: {
    runName: 'run1',
    project: 'p',
    domain: 'd',
    actionName: 'a1',
    taskType: 'container',
    taskTemplate: { image: 'registry.invalid/task:1', retries: 2 },
    inputUri: 's3://b/run1/in.pb',
    runOutputBase: 's3://b/run1',
  },
  status: markQueued({}, { now }),
};

/** Someone else's Job under the name of attempt 1, labelled as that attempt, with a made-up uid. */
const decoy: KubeObject = {
  kind: 'Job',
  metadata: {
    name: 'held',
    namespace: 'exec',
    uid: 'decoy-uid',
    labels: { [keys.workflowExecutionLabel]: 'run1-a1-0', [keys.sourceNamespaceLabel]: 'ns' },
    annotations: { [keys.workflowExecutionUidAnnotation]: 'forged' },
  },
  status: { succeeded: 1 },
};

function reconcilerFor(action: KubeObject, executor: Partial<Executor>) {
  const byKind = async (type: { kind: string }) =>
    structuredClone(type.kind === 'Job' ? decoy : action);
  const client = {
    get: vi.fn(byKind),
    delete: vi.fn(async () => true),
    patch: vi.fn(async (_t: unknown, _ns: unknown, _n: unknown, body: { status?: object }) => ({
      ...structuredClone(action),
      metadata: { ...action.metadata, resourceVersion: '8' },
      status: { ...(action.status as object), ...body.status },
    })),
  };
  const job = taskJobExecutor({} as never);
  const engine = {
    engine: 'job',
    watches: job.watches,
    create: vi.fn(),
    getStatus: vi.fn(async () => null),
    cleanup: vi.fn(async () => {}),
    ...executor,
  } as unknown as Executor;
  const reconciler = new TaskActionReconciler({
    client: client as never,
    reader: { get: vi.fn(byKind) } as never,
    actions: { byIndex: () => [], get: () => action, observe: vi.fn() },
    registry: new Registry().register(engine),
    executionNamespace: 'exec',
    allowedImages: ['registry.invalid/*'],
    sink: { record: vi.fn(async () => {}) },
    now: () => now,
  });
  return { reconciler, client, engine };
}

const ctx = { signal: new AbortController().signal, logger: noopLogger, attempt: 0 };

describe("TaskActionReconciler and an object under its attempt's name it does not own", () => {
  it('fails the action as a ResourceConflict at launch, adopting, deleting and retrying nothing', async () => {
    const { reconciler, client, engine } = reconcilerFor(queued, {
      create: vi.fn(async () => {
        throw new ResourceLockedError('held', undefined);
      }),
    });
    await reconciler.reconcile('ns/run1-a1', ctx);
    const written = client.patch.mock.results.at(-1)?.value as Promise<KubeObject>;
    const status = (await written).status as { errorState?: object; attempts?: number };
    expect(phaseOf(status as never)).toBe('PermanentFailure');
    expect(status.errorState).toMatchObject({ code: 'ResourceConflict', kind: 'SYSTEM' });
    expect(status.attempts).toBe(1);
    expect(engine.cleanup).not.toHaveBeenCalled();
    expect(client.delete).not.toHaveBeenCalled();
  });

  it("fails a running attempt whose Job was replaced by a look-alike, never reporting its state as the attempt's", async () => {
    const launched = markLaunched(queued.status as never, 'job created', { now }) ?? {};
    const running = {
      ...queued,
      status: markProgress(launched, 'Executing', 'running', { now }),
    };
    const { reconciler, client, engine } = reconcilerFor(running, {});
    await reconciler.reconcile('ns/run1-a1', ctx);
    const written = client.patch.mock.results.at(-1)?.value as Promise<KubeObject>;
    const status = (await written).status as { errorState?: object };
    expect(phaseOf(status as never)).toBe('PermanentFailure');
    expect(status.errorState).toMatchObject({ code: 'ResourceConflict' });
    expect(engine.cleanup).not.toHaveBeenCalled();
    expect(engine.create).not.toHaveBeenCalled();
    expect(client.delete).not.toHaveBeenCalled();
  });
});
