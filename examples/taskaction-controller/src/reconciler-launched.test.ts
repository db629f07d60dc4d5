import { markQueued, phaseOf } from '@roundhouse/controller';
import {
  conventionKeys,
  type Executor,
  noopLogger,
  Registry,
  roundhouseConventions,
} from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { TaskActionReconciler } from './reconciler.js';
import { abortFinalizer } from './resource.js';
import { taskJobExecutor } from './task-executor.js';

const now = new Date('2026-03-01T10:00:00Z');
const keys = conventionKeys(roundhouseConventions);

/** Queued for attempt 1, with an image the controller allowed when it launched that attempt. */
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
    taskTemplate: { image: 'registry.old/task:1' },
    inputUri: 's3://b/run1/in.pb',
    runOutputBase: 's3://b/run1',
  },
  status: markQueued({}, { now }),
};

/** The Job of attempt 1, created by a controller that stopped before writing `Initializing`. */
const ownJob: KubeObject = {
  kind: 'Job',
  metadata: {
    name: 'attempt-job',
    namespace: 'exec',
    uid: 'job-uid',
    labels: { [keys.workflowExecutionLabel]: 'run1-a1-0', [keys.sourceNamespaceLabel]: 'ns' },
    annotations: { [keys.workflowExecutionUidAnnotation]: 'u1' },
  },
};

/** A controller whose `--allowed-images` no longer allows the action's image. */
function narrowedController(job: KubeObject | null) {
  const byKind = async (type: { kind: string }) =>
    structuredClone(type.kind === 'Job' ? job : queued);
  const client = {
    get: vi.fn(byKind),
    patch: vi.fn(async (_t: unknown, _ns: unknown, _n: unknown, body: { status?: object }) => ({
      ...structuredClone(queued),
      metadata: { ...queued.metadata, resourceVersion: '8' },
      status: { ...(queued.status as object), ...body.status },
    })),
  };
  const engine = {
    engine: 'job',
    watches: taskJobExecutor({} as never).watches,
    create: vi.fn(async () => ({ resourceName: 'attempt-job', warnings: [] })),
    getStatus: vi.fn(async () => null),
    cleanup: vi.fn(async () => {}),
  } as unknown as Executor;
  const reconciler = new TaskActionReconciler({
    client: client as never,
    reader: { get: vi.fn(byKind) } as never,
    actions: { byIndex: () => [], get: () => queued, observe: vi.fn() },
    registry: new Registry().register(engine),
    executionNamespace: 'exec',
    allowedImages: ['registry.new/*'],
    sink: { record: vi.fn(async () => {}) },
    now: () => now,
  });
  return { reconciler, client, engine };
}

const ctx = { signal: new AbortController().signal, logger: noopLogger, attempt: 0 };

describe('TaskActionReconciler and an --allowed-images narrowed while it was down', () => {
  it('goes on with an attempt whose own Job it created before it stopped, instead of leaving it running unwatched', async () => {
    const { reconciler, client, engine } = narrowedController(ownJob);
    await reconciler.reconcile('ns/run1-a1', ctx);
    expect(engine.create).toHaveBeenCalled();
    const written = (await client.patch.mock.results.at(-1)?.value) as KubeObject;
    expect(phaseOf(written.status as never)).toBe('Initializing');
  });

  it('still launches no attempt of an image it no longer allows when no Job of it exists', async () => {
    const { reconciler, client, engine } = narrowedController(null);
    await reconciler.reconcile('ns/run1-a1', ctx);
    expect(engine.create).not.toHaveBeenCalled();
    const written = (await client.patch.mock.results.at(-1)?.value) as KubeObject;
    expect(phaseOf(written.status as never)).toBe('InvalidSpec');
  });
});
