import { markLaunched, markProgress, markQueued } from '@roundhouse/controller';
import { type Executor, noopLogger, Registry } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { TaskActionReconciler } from './reconciler.js';
import { abortFinalizer } from './resource.js';

const now = new Date('2026-03-01T10:00:00Z');
const spec = {
  runName: 'run1',
  project: 'p',
  domain: 'd',
  actionName: 'a1',
  taskType: 'container',
  taskTemplate: { image: 'registry.invalid/task:1' },
  inputUri: 's3://b/run1/in.pb',
  runOutputBase: 's3://b/run1',
};
const queued: KubeObject = {
  metadata: {
    name: 'run1-a1',
    namespace: 'ns',
    uid: 'u1',
    resourceVersion: '7',
    generation: 1,
    finalizers: [abortFinalizer],
  },
  spec,
  status: markQueued({}, { now }),
};

function reconcilerFor(object: KubeObject) {
  const written = (_t: unknown, _ns: unknown, _n: unknown, body: unknown): KubeObject => ({
    ...structuredClone(object),
    metadata: { ...object.metadata, resourceVersion: '8' },
    status: { ...(object.status as object), ...(body as { status?: object }).status },
  });
  const client = { get: vi.fn(async () => structuredClone(object)), patch: vi.fn(written) };
  const executor = {
    engine: 'job',
    create: vi.fn(async () => ({ resourceName: 'run1-a1-0', warnings: [] })),
    getStatus: vi.fn(async () => ({
      phase: 'Failed',
      reason: 'InvalidCommand',
      message: 'the command does not exist',
      summary: { status: 'False' },
      failureReason: 'ConfigurationError',
    })),
  } as unknown as Executor;
  const events = { record: vi.fn(async () => {}) };
  const reconciler = new TaskActionReconciler({
    client: client as never,
    reader: { get: async () => object } as never,
    actions: { byIndex: () => [], get: () => object, observe: vi.fn() },
    registry: new Registry().register(executor),
    executionNamespace: 'exec',
    allowedImages: ['registry.invalid/*'],
    sink: { record: vi.fn(async () => {}) },
    events: events as never,
    now: () => now,
  });
  return { reconciler, client, executor, events };
}

const ctx = (attempt: number) => ({
  signal: new AbortController().signal,
  logger: noopLogger,
  attempt,
});

describe('TaskActionReconciler', () => {
  it('launches from the cache, which holds its own last write, without reading the action', async () => {
    const { reconciler, client, executor } = reconcilerFor(queued);
    await reconciler.reconcile('ns/run1-a1', ctx(0));
    expect(executor.create).toHaveBeenCalledTimes(1);
    expect(client.get).not.toHaveBeenCalled();
  });

  it('reads the action before launching once a reconcile of it failed (its write may have landed)', async () => {
    const { reconciler, client, executor } = reconcilerFor(queued);
    await reconciler.reconcile('ns/run1-a1', ctx(1));
    expect(client.get).toHaveBeenCalled();
    expect(executor.create).toHaveBeenCalledTimes(1);
  });

  it('reports a refused spec with a keyed Event, so a retry that reports it again makes no second', async () => {
    const invalid: KubeObject = {
      metadata: { ...queued.metadata, finalizers: [] },
      spec: { ...spec, inputUri: undefined },
      status: {},
    };
    const { reconciler, events } = reconcilerFor(invalid);
    await reconciler.reconcile('ns/run1-a1', ctx(0));
    expect(events.record).toHaveBeenCalledWith(
      expect.anything(),
      'Warning',
      'InvalidSpec',
      expect.stringContaining('inputUri'),
      { key: 'InvalidSpec' },
    );
  });

  it('reports a permanent failure with a keyed Event, so a retry that reports it again makes no second', async () => {
    const launched = markLaunched(queued.status as never, 'job created', { now }) ?? {};
    const executing = {
      ...queued,
      status: markProgress(launched, 'Executing', 'running', { now }),
    };
    const { reconciler, events } = reconcilerFor(executing);
    await reconciler.reconcile('ns/run1-a1', ctx(0));
    expect(events.record).toHaveBeenCalledWith(
      expect.anything(),
      'Warning',
      'PermanentFailure',
      expect.stringContaining('ConfigurationError'),
      { key: 'PermanentFailure' },
    );
  });
});
