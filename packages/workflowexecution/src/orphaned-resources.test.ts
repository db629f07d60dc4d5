import type { IndexFunction, Informer } from '@roundhouse/controller';
import {
  CleanupPendingError,
  conventionKeys,
  type ExecutionWatch,
  roundhouseConventions,
} from '@roundhouse/core';
import { type KubeClient, type KubeObject, KubernetesApiError, resources } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { OrphanedResources, type WatchedResources } from './orphaned-resources.js';

const keys = conventionKeys(roundhouseConventions);
const finalizer = 'roundhouse.test/held';

/** A resource the gone execution `wfes/gone` left in the execution namespace. */
function leftBehind(name: string): KubeObject {
  return {
    metadata: {
      name,
      namespace: 'exec',
      uid: `uid-${name}`,
      resourceVersion: '5',
      labels: { [keys.workflowExecutionLabel]: 'gone', [keys.sourceNamespaceLabel]: 'wfes' },
      annotations: { [keys.workflowExecutionUidAnnotation]: 'uid-gone' },
      finalizers: [finalizer],
    },
  };
}

/**
 * An informer holding `objects` (or what the function answers at each read), indexed as
 * OrphanedResources asks; `observed` collects what it is asked to cache.
 */
function cached(
  objects: readonly KubeObject[] | (() => readonly KubeObject[]),
  observed: KubeObject[] = [],
): WatchedResources['informer'] {
  const indexes = new Map<string, IndexFunction<KubeObject>>();
  const held = typeof objects === 'function' ? objects : () => objects;
  const informer: WatchedResources['informer'] = {
    addIndex: (name, index) => {
      indexes.set(name, index);
      return informer as Informer<KubeObject>;
    },
    byIndex: (name, key) => held().filter((o) => indexes.get(name)?.(o).includes(key)),
    observe: (object) => {
      observed.push(object);
    },
  };
  return informer;
}

/**
 * A client answering as the API server does: a delete of an object with finalizers with the
 * object, its deletionTimestamp set (of one without, with a Status: it is gone), and with 409
 * when a precondition's resourceVersion is not the stored one; a finalizer removal with the
 * object written.
 */
function fakeClient(objects: readonly KubeObject[] = []) {
  const named = (name: unknown) => objects.find((o) => o.metadata?.name === name);
  const deletionTimestamp = '2026-01-01T00:00:00Z';
  return {
    deleteAnswered: vi.fn(async (...args: unknown[]): Promise<KubeObject | null> => {
      const object = named(args[2]);
      if (!object) return null;
      const asked = (args[3] as { preconditions?: { resourceVersion?: string } } | undefined)
        ?.preconditions?.resourceVersion;
      if (asked !== undefined && asked !== object.metadata?.resourceVersion) {
        throw new KubernetesApiError(
          'Conflict',
          'the ResourceVersion in the precondition does not match',
          409,
        );
      }
      if (!object.metadata?.finalizers?.length) return { kind: 'Status' };
      return { ...object, metadata: { ...object.metadata, deletionTimestamp } };
    }),
    patch: vi.fn(async (...args: unknown[]) => {
      const metadata = { ...named(args[2])?.metadata, deletionTimestamp, finalizers: [] };
      return { ...named(args[2]), metadata };
    }),
    get: vi.fn(async () => null),
  };
}

describe('OrphanedResources.release', () => {
  const busy = leftBehind('busy');
  const done = leftBehind('done');
  const pending = new CleanupPendingError('busy runs its finally', 7);
  const watch: ExecutionWatch = {
    resource: resources.pipelineRuns,
    conventions: roundhouseConventions,
    finalizers: [finalizer],
    deletionPending: async (object) =>
      (object as KubeObject).metadata?.name === 'busy' ? pending : undefined,
  };

  it('keeps a resource its engine says must not go yet, finalizer and all, and says when to look again', async () => {
    const client = fakeClient([busy, done]);
    const orphans = new OrphanedResources(client as unknown as KubeClient, [
      { engine: 'job', watch, informer: cached([busy, done]) },
    ]);

    await expect(orphans.release('wfes/gone')).rejects.toBe(pending);

    const deleted = client.deleteAnswered.mock.calls.map((call: unknown[]) => call[2]);
    expect(deleted).toEqual(['done']);
    const patched = client.patch.mock.calls.map((call: unknown[]) => call[2]);
    expect(patched).toEqual(['done']);
  });

  it('says to look again when the soonest of several waits may be over', async () => {
    const later = new CleanupPendingError('late runs its finally', 30);
    const soon = new CleanupPendingError('soon runs its finally', 3);
    const waits: Record<string, CleanupPendingError> = { late: later, soon };
    const orphans = new OrphanedResources(fakeClient() as unknown as KubeClient, [
      {
        engine: 'job',
        watch: {
          ...watch,
          deletionPending: async (object) => waits[(object as KubeObject).metadata?.name ?? ''],
        },
        informer: cached([leftBehind('late'), leftBehind('soon')]),
      },
    ]);

    await expect(orphans.release('wfes/gone')).rejects.toBe(soon);
  });

  it('caches what the delete and the finalizer removal answered, and takes the finalizer off the object as the delete left it', async () => {
    // A Pod's grace period keeps it stored once its finalizer is off.
    const graceful = {
      metadata: { ...leftBehind('graceful').metadata, deletionGracePeriodSeconds: 30 },
    };
    const client = fakeClient([graceful]);
    const observed: KubeObject[] = [];
    const orphans = new OrphanedResources(client as unknown as KubeClient, [
      { engine: 'job', watch, informer: cached([graceful], observed) },
    ]);

    await orphans.release('wfes/gone');

    expect(observed.map((o) => [o.metadata?.deletionTimestamp, o.metadata?.finalizers])).toEqual([
      ['2026-01-01T00:00:00Z', [finalizer]],
      ['2026-01-01T00:00:00Z', []],
    ]);
  });

  it('leaves a resource its own writes removed alone while the cache still holds it, and forgets it once the cache dropped it', async () => {
    const client = fakeClient([done]);
    let held: KubeObject[] = [done];
    const orphans = new OrphanedResources(client as unknown as KubeClient, [
      { engine: 'job', watch, informer: cached(() => held) },
    ]);
    // Its finalizer's removal deleted it (no grace period held it); the cache lags.
    await orphans.release('wfes/gone');
    await orphans.release('wfes/gone');
    expect(client.deleteAnswered).toHaveBeenCalledTimes(1);
    expect(client.patch).toHaveBeenCalledTimes(1);
    // Its watch's delete event: the cache drops it, and it is forgotten; a resource of that uid
    // showing again (not the API server's way) would be acted on again.
    held = [];
    await orphans.release('wfes/gone');
    held = [done];
    await orphans.release('wfes/gone');
    expect(client.deleteAnswered).toHaveBeenCalledTimes(2);
  });

  it('leaves the finalizers of a resource the delete removed, or found gone or replaced, alone', async () => {
    const bare = { metadata: { ...leftBehind('bare').metadata, finalizers: [] } };
    const client = fakeClient([bare]);
    const orphans = new OrphanedResources(client as unknown as KubeClient, [
      { engine: 'job', watch, informer: cached([bare, leftBehind('vanished')]) },
    ]);

    await orphans.release('wfes/gone');

    expect(client.deleteAnswered.mock.calls.map((call: unknown[]) => call[2])).toEqual([
      'bare',
      'vanished',
    ]);
    expect(client.patch).not.toHaveBeenCalled();
    expect(client.get).not.toHaveBeenCalled();
  });

  it('deletes only the copy its engine judged: one written since (a graceful cancel within the lag) is decided on again, finalizer kept', async () => {
    // The API server's copy is newer than the cache's: someone cancelled it gracefully since.
    const stored = { metadata: { ...busy.metadata, resourceVersion: '6' } };
    const client = fakeClient([stored]);
    const observed: KubeObject[] = [];
    const orphans = new OrphanedResources(client as unknown as KubeClient, [
      {
        engine: 'job',
        watch: { ...watch, deletionPending: async () => undefined },
        informer: cached([busy], observed),
      },
    ]);

    await orphans.release('wfes/gone');

    expect(client.deleteAnswered.mock.calls.map((call: unknown[]) => call[3])).toMatchObject([
      { preconditions: { uid: 'uid-busy', resourceVersion: '5' } },
    ]);
    expect(client.patch).not.toHaveBeenCalled();
    expect(observed).toEqual([]);
    // Its write's own watch event brings the newer copy, and the key is decided on again.
    await orphans.release('wfes/gone');
    expect(client.deleteAnswered).toHaveBeenCalledTimes(2);
  });

  it('deletes the resource once its engine lets it go', async () => {
    const client = fakeClient([busy]);
    const orphans = new OrphanedResources(client as unknown as KubeClient, [
      {
        engine: 'job',
        watch: { ...watch, deletionPending: async () => undefined },
        informer: cached([busy]),
      },
    ]);

    await orphans.release('wfes/gone');

    expect(client.deleteAnswered.mock.calls.map((call: unknown[]) => call[2])).toEqual(['busy']);
  });
});

describe('OrphanedResources.createdFor', () => {
  it('names the cached resource an execution of that uid created and that is not being deleted, and when it was created', () => {
    const made = {
      metadata: { ...leftBehind('made').metadata, creationTimestamp: '2026-01-01T00:00:05Z' },
    };
    const going = {
      metadata: { ...leftBehind('going').metadata, deletionTimestamp: '2026-01-01T00:00:00Z' },
    };
    const watch: ExecutionWatch = { resource: resources.jobs, conventions: roundhouseConventions };
    const resourcesOf = (objects: KubeObject[]) =>
      new OrphanedResources(fakeClient() as unknown as KubeClient, [
        { engine: 'job', watch, informer: cached(objects) },
      ]);
    expect(resourcesOf([going, made]).createdFor('wfes/gone', 'uid-gone')).toEqual({
      name: 'made',
      kind: 'Job',
      createdAt: '2026-01-01T00:00:05Z',
    });
    expect(resourcesOf([going]).createdFor('wfes/gone', 'uid-gone')).toBeUndefined();
    // A predecessor's resource under the name is not this execution's.
    expect(resourcesOf([made]).createdFor('wfes/gone', 'uid-successor')).toBeUndefined();
    expect(resourcesOf([made]).createdFor('wfes/other', 'uid-gone')).toBeUndefined();
  });

  it("names only a resource of the engine's own kinds when asked for them", () => {
    const made = leftBehind('made');
    const jobs: ExecutionWatch = { resource: resources.jobs, conventions: roundhouseConventions };
    const runs: ExecutionWatch = {
      resource: resources.pipelineRuns,
      conventions: roundhouseConventions,
    };
    // Another engine's PipelineRun naming this execution's uid (its owner annotations copied).
    const orphans = new OrphanedResources(fakeClient() as unknown as KubeClient, [
      { engine: 'job', watch: jobs, informer: cached([]) },
      { engine: 'tekton', watch: runs, informer: cached([made]) },
    ]);

    expect(orphans.createdFor('wfes/gone', 'uid-gone', 'job')).toBeUndefined();
    expect(orphans.createdFor('wfes/gone', 'uid-gone', 'ansible')).toBeUndefined();
    expect(orphans.createdFor('wfes/gone', 'uid-gone', 'tekton')).toMatchObject({
      name: 'made',
      kind: 'PipelineRun',
    });
    expect(orphans.createdFor('wfes/gone', 'uid-gone')).toMatchObject({ name: 'made' });
  });

  it("names only a resource the engine's own watch selects, not another engine's Job of the same kind", () => {
    // Two engines make batch/v1 Jobs: ours, which watches every Job with the owner labels, and a
    // custom one that narrowed its watch to its own (its engine label). A Job of ours that
    // names the custom engine's execution's uid (its owner annotations copied) is in our
    // engine's cache only.
    const ours = leftBehind('ours');
    const jobs: ExecutionWatch = { resource: resources.jobs, conventions: roundhouseConventions };
    const batch: ExecutionWatch = {
      ...jobs,
      labelSelector: `${keys.executionEngineLabel}=batch`,
    };
    const orphans = new OrphanedResources(fakeClient() as unknown as KubeClient, [
      { engine: 'job', watch: jobs, informer: cached([ours]) },
      { engine: 'batch', watch: batch, informer: cached([]) },
    ]);

    expect(orphans.createdFor('wfes/gone', 'uid-gone', 'batch')).toBeUndefined();
    expect(orphans.createdFor('wfes/gone', 'uid-gone', 'job')).toMatchObject({
      name: 'ours',
      kind: 'Job',
    });
  });
});

describe('OrphanedResources.holds', () => {
  it('says whether the cache holds any resource that names the execution as its owner', () => {
    const watch: ExecutionWatch = { resource: resources.jobs, conventions: roundhouseConventions };
    const resourcesOf = (objects: KubeObject[]) =>
      new OrphanedResources(fakeClient() as unknown as KubeClient, [
        { engine: 'job', watch, informer: cached(objects) },
      ]);
    expect(resourcesOf([leftBehind('made')]).holds('wfes/gone')).toBe(true);
    expect(resourcesOf([leftBehind('made')]).holds('wfes/other')).toBe(false);
    expect(resourcesOf([]).holds('wfes/gone')).toBe(false);
  });
});
