import { ManualClock, ReservationSightings, reservationSpec } from '@roundhouse/controller';
import { type KubeObject, KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { reservationLease } from './cache.js';
import { indexByReservation } from './reservation-renewal.js';
import { ReservationRenewer, type ReservationRenewerOptions } from './reservation-renewer.js';
import { taskAction } from './task-action.test-support.js';

const heartbeatMs = 10_000;
const identity = { namespace: 'flyte', project: 'proj', domain: 'dev', cacheKey: 'k' };
const holder = {
  ...taskAction({ spec: { cacheKey: 'k' }, template: { cacheSerializable: true } }),
} as KubeObject;

/**
 * A renewer on a manual clock, over an informer holding one Lease of `holderIdentity` renewed at
 * the start, and a client that answers each replace as the API server would, or as `answer` says.
 * Nothing reconciles: whatever renews, renews without a turn on any work queue.
 */
function renewerOn(holderIdentity = 'u1', answer?: () => Promise<never> | undefined) {
  const clock = new ManualClock(Date.parse('2026-12-07T18:00:00.000Z'));
  const now = () => new Date(clock.now());
  let version = 1;
  const lease = reservationLease('tasks', identity, {
    ...reservationSpec(undefined, holderIdentity, now(), heartbeatMs),
  });
  const leases: KubeObject[] = [
    {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      ...lease,
      metadata: { ...lease.metadata, resourceVersion: String(version) },
    },
  ];
  const client = {
    replace: vi.fn(async (_type: unknown, _ns: unknown, _name: string, body: KubeObject) => {
      const refused = answer?.();
      if (refused) return refused;
      version += 1;
      return { ...body, metadata: { ...body.metadata, resourceVersion: String(version) } };
    }),
  };
  const reservations = {
    list: () => [...leases],
    observe: (written: KubeObject) => {
      leases[0] = written;
    },
  };
  const wake = vi.fn();
  const renewer = new ReservationRenewer({
    client: client as unknown as ReservationRenewerOptions['client'],
    reservations,
    holdersOf: (name) => (indexByReservation(holder).includes(name) ? [holder] : []),
    wake,
    namespace: 'tasks',
    heartbeatMs,
    sightings: new ReservationSightings(clock),
    clock,
    now,
  });
  const renewTimes = () =>
    client.replace.mock.calls.map(([, , , body]) => (body.spec as { renewTime: string }).renewTime);
  return { clock, client, leases, wake, renewer, renewTimes };
}

describe('ReservationRenewer', () => {
  it('renews a held reservation once a heartbeat on its own timer, and stops when its run ends', async () => {
    const { clock, renewer, renewTimes, leases } = renewerOn();
    const run = new AbortController();
    renewer.runUntil(run.signal);
    await clock.advanceSettling(3.5 * heartbeatMs);
    expect(renewTimes()).toEqual([
      '2026-12-07T18:00:10.000000Z',
      '2026-12-07T18:00:20.000000Z',
      '2026-12-07T18:00:30.000000Z',
    ]);
    expect(leases[0]?.metadata?.resourceVersion).toBe('4');
    run.abort();
    await clock.advanceSettling(5 * heartbeatMs);
    expect(renewTimes()).toHaveLength(3);
    expect(clock.pendingTimers).toBe(0);
  });

  it('wakes the holder when its Lease was written or deleted by another since it was read', async () => {
    for (const reason of ['Conflict', 'NotFound'] as const) {
      const refusal = new KubernetesApiError(
        reason,
        'the lease changed',
        reason === 'Conflict' ? 409 : 404,
      );
      const { clock, renewer, wake } = renewerOn('u1', () => Promise.reject(refusal));
      renewer.runUntil(new AbortController().signal);
      await clock.advanceSettling(heartbeatMs);
      expect(wake).toHaveBeenCalledWith('flyte/run1-a0');
    }
  });

  it('renews no Lease another took over, and wakes the action that held it', async () => {
    const { clock, renewer, wake, leases, client } = renewerOn();
    renewer.runUntil(new AbortController().signal);
    await clock.advanceSettling(heartbeatMs);
    expect(client.replace).toHaveBeenCalledTimes(1);
    const taken = leases[0] as KubeObject;
    leases[0] = { ...taken, spec: { ...(taken.spec as object), holderIdentity: 'u2' } };
    await clock.advanceSettling(3 * heartbeatMs);
    expect(client.replace).toHaveBeenCalledTimes(1);
    expect(wake).toHaveBeenCalledTimes(1);
  });

  it('renews a Lease a replica with a clock ahead renewed, a heartbeat after it first saw it', async () => {
    const { clock, renewer, leases, renewTimes } = renewerOn();
    const written = leases[0] as KubeObject;
    const ahead = new Date(clock.now() + 3_600_000).toISOString();
    leases[0] = { ...written, spec: { ...(written.spec as object), renewTime: ahead } };
    renewer.runUntil(new AbortController().signal);
    await clock.advanceSettling(heartbeatMs - 1);
    expect(renewTimes()).toEqual([]);
    await clock.advanceSettling(1);
    expect(renewTimes()).toEqual(['2026-12-07T18:00:10.000000Z']);
  });

  it('tries a failed renewal again a heartbeat later, not sooner', async () => {
    let failing = true;
    const unavailable = new KubernetesApiError('Unavailable', 'etcd is slow', 503);
    const { clock, renewer, client, wake } = renewerOn('u1', () =>
      failing ? Promise.reject(unavailable) : undefined,
    );
    renewer.runUntil(new AbortController().signal);
    await clock.advanceSettling(heartbeatMs);
    expect(client.replace).toHaveBeenCalledTimes(1);
    failing = false;
    await clock.advanceSettling(heartbeatMs - 1);
    expect(client.replace).toHaveBeenCalledTimes(1);
    await clock.advanceSettling(1);
    expect(client.replace).toHaveBeenCalledTimes(2);
    expect(wake).not.toHaveBeenCalled();
  });
});
