import { conventionKeys, roundhouseConventions } from '@roundhouse/core';
import { type KubeObject, resources } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { OrphanedExecutions } from './orphaned-executions.js';
import { abortFinalizer } from './resource.js';

const keys = conventionKeys(roundhouseConventions);

/** A Job named `name` whose labels name attempt 1 of TaskAction flyte/run1-a0, recording owner uid `uid`. */
function job(name: string, uid: string | undefined, created: string, extra = {}): KubeObject {
  return {
    metadata: {
      name,
      namespace: 'exec',
      uid: `${name}-uid`,
      creationTimestamp: created,
      labels: { [keys.workflowExecutionLabel]: 'run1-a0-0', [keys.sourceNamespaceLabel]: 'flyte' },
      annotations: {
        [keys.targetResourceAnnotation]: 'flyte/taskaction/run1-a0-0',
        ...(uid ? { [keys.workflowExecutionUidAnnotation]: uid } : {}),
      },
      ...extra,
    },
  };
}

const action = (uid: string, extra = {}): KubeObject => ({
  metadata: {
    name: 'run1-a0',
    namespace: 'flyte',
    uid,
    creationTimestamp: '2026-03-01T10:00:00Z',
    finalizers: [abortFinalizer],
    ...extra,
  },
});

/**
 * The orphans over an informer whose first list brought `jobs`, the names the client was asked
 * to delete, and `watched`, which adds a Job as the informer's watch would.
 */
function orphansOf(jobs: KubeObject[], startedAt = started) {
  const indexes: ((o: KubeObject) => string[])[] = [];
  const adds: ((o: KubeObject) => void)[] = [];
  let synced = false;
  const informer = {
    addIndex: (_name: string, fn: (o: KubeObject) => string[]) => {
      indexes.push(fn);
      return informer;
    },
    byIndex: (_name: string, value: string) =>
      jobs.filter((j) => indexes.some((fn) => fn(j).includes(value))),
    list: () => jobs,
    on: (event: string, fn: (o: KubeObject) => void) => {
      if (event === 'add') adds.push(fn);
      return informer;
    },
    hasSynced: () => synced,
  };
  const client = { delete: vi.fn(async () => true) };
  const watch = { resource: resources.jobs, conventions: roundhouseConventions };
  const orphans = new OrphanedExecutions(
    client as never,
    [{ watch, informer: informer as never }],
    {
      now: () => new Date(startedAt),
    },
  );
  for (const job of jobs) for (const add of adds) add(job);
  synced = true;
  const deleted = () => client.delete.mock.calls.map((call) => (call as unknown[])[2]);
  const watched = (job: KubeObject) => {
    jobs.push(job);
    for (const add of adds) add(job);
  };
  return { orphans, client, deleted, watched };
}

/** Before the action (created at 10:00) and the controller (started at 10:30), and after both. */
const before = '2026-03-01T09:00:00Z';
const started = '2026-03-01T10:30:00Z';
const after = '2026-03-01T11:00:00Z';

describe('OrphanedExecutions', () => {
  it('finds the Jobs of an action by its key, from the attempt their labels name', () => {
    const { orphans } = orphansOf([job('j1', 'u1', before)]);
    expect(orphans.has('flyte/run1-a0')).toBe(true);
    expect(orphans.has('flyte/run1-a')).toBe(false);
  });

  it("never takes another controller's Job in a shared execution namespace for an attempt's: a WorkflowExecution named like one", async () => {
    const wfeJob = job('wfe', 'u1', before);
    (wfeJob.metadata?.annotations as Record<string, string>)[keys.targetResourceAnnotation] =
      'flyte/deployment/web';
    const { orphans, deleted } = orphansOf([wfeJob]);
    expect(orphans.has('flyte/run1-a0')).toBe(false);
    await orphans.release('flyte/run1-a0', null);
    expect(deleted()).toEqual([]);
  });

  it('deletes, with the uid read as a precondition, the Jobs left from before it started by an action that is gone, but not one recording no owner uid or already going', async () => {
    const { orphans, client, deleted } = orphansOf([
      job('j1', 'u1', before),
      job('j2', undefined, before),
      job('j3', 'u1', before, { deletionTimestamp: after }),
    ]);
    await orphans.release('flyte/run1-a0', null);
    expect(deleted()).toEqual(['j1']);
    expect(client.delete).toHaveBeenCalledWith(resources.jobs, 'exec', 'j1', {
      propagationPolicy: 'Background',
      preconditions: { uid: 'j1-uid' },
    });
  });

  it('deletes the Jobs of an action it saw once that action is gone, never one made meanwhile that only claims it', async () => {
    const { orphans, deleted } = orphansOf([
      job('own', 'u1', after),
      job('decoy', 'forged', after),
    ]);
    await orphans.release('flyte/run1-a0', action('u1'));
    expect(deleted()).toEqual([]);
    await orphans.release('flyte/run1-a0', null);
    expect(deleted()).toEqual(['own']);
  });

  it("leaves a live action's own Jobs, and deletes them once it is being deleted without the finalizer that would abort them", async () => {
    const { orphans, deleted } = orphansOf([job('j1', 'u1', after)]);
    await orphans.release('flyte/run1-a0', action('u1'));
    await orphans.release('flyte/run1-a0', action('u1', { deletionTimestamp: after }));
    expect(deleted()).toEqual([]);
    await orphans.release(
      'flyte/run1-a0',
      action('u1', { deletionTimestamp: after, finalizers: ['someone.else/hold'] }),
    );
    expect(deleted()).toEqual(['j1']);
  });

  it('deletes the Jobs earlier actions of the name left, never one made since that claims the current action', async () => {
    const { orphans, deleted } = orphansOf([
      job('earlier', 'u0', before),
      // The API server's times are whole seconds: deleted and created again within one.
      job('same-second', 'u00', '2026-03-01T10:00:00Z'),
      job('decoy', 'forged', after),
    ]);
    await orphans.release('flyte/run1-a0', action('u1'));
    expect(deleted()).toEqual(['earlier', 'same-second']);
  });

  it('tells the Jobs of the second it started in apart by whether its first list held them: a decoy its watch brought is left, a Job it listed is judged', async () => {
    const second = '2026-03-01T10:30:00Z';
    const { orphans, deleted, watched } = orphansOf(
      [job('listed', 'u0', second)],
      '2026-03-01T10:30:00.400Z',
    );
    expect(orphans.has('flyte/run1-a0')).toBe(true);
    // Made after the list, in the same second, claiming the action created in it too.
    watched(job('decoy', 'forged', second));
    await orphans.release('flyte/run1-a0', action('u1', { creationTimestamp: second }));
    expect(deleted()).toEqual(['listed']);
  });

  it('leaves a decoy of the second it started in that came before any reconcile did', async () => {
    const second = '2026-03-01T10:30:00Z';
    const { orphans, deleted, watched } = orphansOf([], '2026-03-01T10:30:00.400Z');
    // The cache was empty; the watch brings the decoy before the action's first reconcile.
    watched(job('decoy', 'forged', second));
    expect(orphans.has('flyte/run1-a0')).toBe(true);
    await orphans.release('flyte/run1-a0', action('u1', { creationTimestamp: second }));
    expect(deleted()).toEqual([]);
  });
});
