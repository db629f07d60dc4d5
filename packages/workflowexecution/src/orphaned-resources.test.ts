import type { IndexFunction, Informer } from '@roundhouse/controller';
import {
  CleanupPendingError,
  conventionKeys,
  type ExecutionWatch,
  roundhouseConventions,
} from '@roundhouse/core';
import { type KubeClient, type KubeObject, resources } from '@roundhouse/kube';
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
      labels: { [keys.workflowExecutionLabel]: 'gone', [keys.sourceNamespaceLabel]: 'wfes' },
      annotations: { [keys.workflowExecutionUidAnnotation]: 'uid-gone' },
      finalizers: [finalizer],
    },
  };
}

/** An informer holding `objects`, indexed as OrphanedResources asks. */
function cached(objects: readonly KubeObject[]): WatchedResources['informer'] {
  const indexes = new Map<string, IndexFunction<KubeObject>>();
  const informer: WatchedResources['informer'] = {
    addIndex: (name, index) => {
      indexes.set(name, index);
      return informer as Informer<KubeObject>;
    },
    byIndex: (name, key) => objects.filter((o) => indexes.get(name)?.(o).includes(key)),
  };
  return informer;
}

function fakeClient() {
  return {
    delete: vi.fn(async () => true),
    patch: vi.fn(async () => ({})),
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
    const client = fakeClient();
    const orphans = new OrphanedResources(client as unknown as KubeClient, [
      { watch, informer: cached([busy, done]) },
    ]);

    await expect(orphans.release('wfes/gone')).rejects.toBe(pending);

    const deleted = client.delete.mock.calls.map((call: unknown[]) => call[2]);
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
        watch: {
          ...watch,
          deletionPending: async (object) => waits[(object as KubeObject).metadata?.name ?? ''],
        },
        informer: cached([leftBehind('late'), leftBehind('soon')]),
      },
    ]);

    await expect(orphans.release('wfes/gone')).rejects.toBe(soon);
  });

  it('deletes the resource once its engine lets it go', async () => {
    const client = fakeClient();
    const orphans = new OrphanedResources(client as unknown as KubeClient, [
      { watch: { ...watch, deletionPending: async () => undefined }, informer: cached([busy]) },
    ]);

    await orphans.release('wfes/gone');

    expect(client.delete.mock.calls.map((call: unknown[]) => call[2])).toEqual(['busy']);
  });
});

describe('OrphanedResources.createdFor', () => {
  it('names the cached resource an execution of that uid created and that is not being deleted', () => {
    const made = leftBehind('made');
    const going = {
      metadata: { ...leftBehind('going').metadata, deletionTimestamp: '2026-01-01T00:00:00Z' },
    };
    const watch: ExecutionWatch = { resource: resources.jobs, conventions: roundhouseConventions };
    const resourcesOf = (objects: KubeObject[]) =>
      new OrphanedResources(fakeClient() as unknown as KubeClient, [
        { watch, informer: cached(objects) },
      ]);
    expect(resourcesOf([going, made]).createdFor('wfes/gone', 'uid-gone')).toBe('made');
    expect(resourcesOf([going]).createdFor('wfes/gone', 'uid-gone')).toBeUndefined();
    // A predecessor's resource under the name is not this execution's.
    expect(resourcesOf([made]).createdFor('wfes/gone', 'uid-successor')).toBeUndefined();
    expect(resourcesOf([made]).createdFor('wfes/other', 'uid-gone')).toBeUndefined();
  });
});
