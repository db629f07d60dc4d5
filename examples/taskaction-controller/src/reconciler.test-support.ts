import {
  markLaunched,
  markProgress,
  markQueued,
  ReservationSightings,
} from '@roundhouse/controller';
import {
  conventionKeys,
  type Executor,
  noopLogger,
  Registry,
  roundhouseConventions,
} from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { vi } from 'vitest';
import type { AttemptSlots } from './attempt-slot-gate.js';
import { TaskActionReconciler } from './reconciler.js';
import { abortFinalizer } from './resource.js';

/*
 * Action a1 of run1 in namespace ns and the reconciler on fakes, shared by the reconciler's tests
 * (reconciler.test.ts, reconciler-conflict.test.ts, reconciler-launched.test.ts) and the abort's.
 */

const keys = conventionKeys(roundhouseConventions);

/** The reconciler's clock, and when `queuedAction` was queued. */
export const now = new Date('2026-03-01T10:00:00Z');

/**
 * Action a1, queued for attempt 1 and holding the abort finalizer; `template` is merged into its
 * task template (an image of registry.invalid). A fresh object on every call.
 */
export function queuedAction(template: Record<string, unknown> = {}) {
  return {
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
      taskTemplate: { image: 'registry.invalid/task:1', ...template },
      inputUri: 's3://b/run1/in.pb',
      runOutputBase: 's3://b/run1',
    },
    status: markQueued({}, { now }),
  } satisfies KubeObject;
}

/**
 * A Job in exec labelled as attempt 1 of the action, whose annotation says it was made for the
 * action of uid `actionUid`: the action's own when that is u1.
 */
export function attemptJob(name: string, uid: string, actionUid: string): KubeObject {
  return {
    kind: 'Job',
    metadata: {
      name,
      namespace: 'exec',
      uid,
      labels: { [keys.workflowExecutionLabel]: 'run1-a1-0', [keys.sourceNamespaceLabel]: 'ns' },
      annotations: { [keys.workflowExecutionUidAnnotation]: actionUid },
    },
  };
}

/** `action` with its attempt launched and reported running. */
export function executing(action: KubeObject = queuedAction()): KubeObject {
  const launched = markLaunched(action.status as never, 'job created', { now }) ?? {};
  return { ...action, status: markProgress(launched, 'Executing', 'running', { now }) };
}

/** What the API server makes of a JSON merge patch (RFC 7386): objects merge, the rest replaces. */
function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const merged: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = applyMergePatch(merged[key], value);
  }
  return merged;
}

export interface FakesOptions {
  /** Replaces the engine's members; by default it creates `run1-a1-0` and reads no status. */
  readonly executor?: Partial<Executor> | undefined;
  /** The Job the API server holds under the attempt's name, read when the engine watches Jobs. */
  readonly job?: KubeObject | null | undefined;
  /** The action as the API server holds it (null: gone); by default as the cache does. */
  readonly live?: KubeObject | null | undefined;
  readonly allowedImages?: readonly string[] | undefined;
  readonly resyncMs?: number | undefined;
  /** The per-namespace cap; none by default. */
  readonly slots?: AttemptSlots | undefined;
}

/**
 * The reconciler with `action` in its cache and on the API server, which answers a status patch
 * with `action` merged with it at resourceVersion 8 (see lastWritten). Every request is
 * recorded.
 */
export function reconcilerOnFakes(action: KubeObject, options: FakesOptions = {}) {
  const read = (live: KubeObject | null) => async (type: { kind: string }) =>
    structuredClone(type.kind === 'Job' ? (options.job ?? null) : live);
  const client = {
    get: vi.fn(read(options.live === undefined ? action : options.live)),
    delete: vi.fn(async () => true),
    // Answers at once rather than with a promise, so a test reads what was written from
    // `mock.results` (lastWritten) without awaiting it.
    patch: vi.fn(
      (_t: unknown, _ns: unknown, _n: unknown, body: { status?: object }): KubeObject => ({
        ...structuredClone(action),
        metadata: { ...action.metadata, resourceVersion: '8' },
        status: applyMergePatch(action.status, body.status) as object,
      }),
    ),
  };
  const executor = {
    engine: 'job',
    create: vi.fn(async () => ({ resourceName: 'run1-a1-0', warnings: [] })),
    getStatus: vi.fn(async () => null),
    cleanup: vi.fn(async () => {}),
    ...options.executor,
  } as unknown as Executor;
  const events = { record: vi.fn(async () => {}) };
  const sink = { record: vi.fn(async () => {}) };
  const reconciler = new TaskActionReconciler({
    client: client as never,
    reader: { get: vi.fn(read(action)) } as never,
    actions: { byIndex: () => [], get: () => action, observe: vi.fn() },
    sightings: new ReservationSightings(),
    registry: new Registry().register(executor),
    executionNamespace: 'exec',
    allowedImages: options.allowedImages ?? ['registry.invalid/*'],
    sink,
    events: events as never,
    now: () => now,
    ...(options.resyncMs !== undefined ? { resyncMs: options.resyncMs } : {}),
    slots: options.slots,
  });
  /** One reconcile of the action, after `attempt` reconciles of it that failed. */
  const reconcile = (attempt = 0) =>
    reconciler.reconcile('ns/run1-a1', {
      signal: new AbortController().signal,
      logger: noopLogger,
      attempt,
    });
  return { reconcile, client, executor, events, sink };
}

/** The action as the reconciler's last status patch left it. */
export const lastWritten = (client: ReturnType<typeof reconcilerOnFakes>['client']) =>
  client.patch.mock.results.at(-1)?.value as KubeObject;
