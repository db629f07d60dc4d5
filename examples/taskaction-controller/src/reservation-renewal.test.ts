import { reservationSpec } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { cacheObjectName, reservationLease } from './cache.js';
import { indexByReservation, planRenewals, type Renewing } from './reservation-renewal.js';
import { taskAction } from './task-action.test-support.js';

const heartbeatMs = 10_000;
const now = new Date('2026-12-07T18:00:00.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const identity = { namespace: 'flyte', project: 'proj', domain: 'dev', cacheKey: 'k' };
const leaseName = cacheObjectName(identity);

const serialized = (uid = 'u1', status?: KubeObject['status']) =>
  ({
    ...taskAction({
      metadata: { uid },
      spec: { cacheKey: 'k' },
      template: { cacheSerializable: true },
    }),
    ...(status ? { status } : {}),
  }) as KubeObject;

const lease = (holder: string, renewed: Date): KubeObject => {
  const object = reservationLease('tasks', identity, {
    ...reservationSpec(undefined, holder, renewed, heartbeatMs),
  });
  return { ...object, metadata: { ...object.metadata, resourceVersion: '7' } };
};

const completed = {
  conditions: [
    {
      type: 'Succeeded',
      status: 'True',
      reason: 'Completed',
      message: 'done',
      lastTransitionTime: '2026-12-07T17:00:00Z',
    },
  ],
};

/** The plan at `now`, each Lease seen unchanged for `unchangedForMs` (first seen now: 0). */
const plan = (
  leases: KubeObject[],
  actions: KubeObject[],
  remembered: ReadonlyMap<string, Renewing> = new Map(),
  unchangedForMs = 0,
) =>
  planRenewals(
    leases,
    (name) => actions.filter((a) => indexByReservation(a).includes(name)),
    remembered,
    () => unchangedForMs,
    // The monotonic clock reads as the wall clock here, so a try is dated as a renewal.
    { wall: now, mono: now.getTime() },
    heartbeatMs,
  );

describe('indexByReservation', () => {
  it("indexes a serialized action by its key's Lease, and no other action", () => {
    expect(indexByReservation(serialized())).toEqual([leaseName]);
    const cachedOnly = taskAction({ spec: { cacheKey: 'k' } }) as KubeObject;
    expect(indexByReservation(cachedOnly)).toEqual([]);
    expect(indexByReservation(taskAction() as KubeObject)).toEqual([]);
  });
});

describe('planRenewals', () => {
  it('renews a Lease its running holder renewed a heartbeat ago, and not sooner', () => {
    const due = plan([lease('u1', ago(heartbeatMs))], [serialized()]);
    expect(due.renew.map((r) => [r.name, r.key, r.holder])).toEqual([
      [leaseName, 'flyte/run1-a0', 'u1'],
    ]);
    expect(due.nextInMs).toBe(heartbeatMs);
    const early = plan([lease('u1', ago(heartbeatMs - 1_500))], [serialized()]);
    expect(early.renew).toEqual([]);
    expect(early.nextInMs).toBe(1_500);
    expect(early.held.get(leaseName)).toEqual({ key: 'flyte/run1-a0', holder: 'u1' });
  });

  it('renews nothing for a finished holder, or another action', () => {
    expect(plan([lease('u1', ago(heartbeatMs))], [serialized('u1', completed)]).renew).toEqual([]);
    // The Lease names u1; the only action serializing on its key is u2.
    expect(plan([lease('u1', ago(heartbeatMs))], [serialized('u2')]).renew).toEqual([]);
    expect(plan([], [serialized()]).nextInMs).toBe(heartbeatMs);
  });

  it('renews a Lease renewed ahead of its clock (by a replica whose clock ran ahead) once seen unchanged a heartbeat', () => {
    const ahead = new Date(now.getTime() + 2 * heartbeatMs);
    const fresh = plan([lease('u1', ahead)], [serialized()]);
    expect(fresh.renew).toEqual([]);
    expect(fresh.nextInMs).toBe(heartbeatMs);
    const seen = plan([lease('u1', ahead)], [serialized()], new Map(), heartbeatMs);
    expect(seen.renew.map((r) => r.holder)).toEqual(['u1']);
    // One its renewTime says is a heartbeat old is renewed at once, however recently first seen
    // (after a restart, or from a replica whose clock ran behind).
    expect(plan([lease('u1', ago(heartbeatMs))], [serialized()]).renew).toHaveLength(1);
  });

  it('tries a failed renewal again a heartbeat after the try, not sooner', () => {
    const tried = new Map([
      [leaseName, { key: 'flyte/run1-a0', holder: 'u1', triedAt: ago(4_000).getTime() }],
    ]);
    const next = plan([lease('u1', ago(2 * heartbeatMs))], [serialized()], tried);
    expect(next.renew).toEqual([]);
    expect(next.nextInMs).toBe(heartbeatMs - 4_000);
  });

  it('reports the holder it renewed for once another holds the Lease, and renews it no more', () => {
    const before = new Map([[leaseName, { key: 'flyte/run1-a0', holder: 'u1' }]]);
    const taken = plan([lease('u2', ago(heartbeatMs))], [serialized('u1')], before);
    expect(taken.lost).toEqual(['flyte/run1-a0']);
    expect(taken.renew).toEqual([]);
    expect(taken.held.size).toBe(0);
    // Released (the Lease gone): its holder let it go itself.
    expect(plan([], [serialized('u1')], before).lost).toEqual([]);
  });
});
