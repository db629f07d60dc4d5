/**
 * Candidates competing for one Lease, with client-go's rules: a lease held by another is taken
 * over only once this candidate has seen it unchanged for its duration on its own clock, whatever
 * times the holder wrote into it; of two writes on one version only the first lands; a released
 * lease is taken at once. Over an in-memory Lease API that checks resourceVersions as the API
 * server does, and a ManualClock the test moves.
 */
import { noopLogger } from '@roundhouse/core';
import { type KubeClient, type KubeObject, KubernetesApiError } from '@roundhouse/kube';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from './clock.js';
import { aborted } from './delay.js';
import { LeaderElector } from './leader-election.js';

interface LeaseSpec {
  readonly holderIdentity?: string | undefined;
  readonly leaseDurationSeconds?: number | undefined;
  readonly acquireTime?: string | undefined;
  readonly renewTime?: string | undefined;
  readonly leaseTransitions?: number | undefined;
}

/** One Lease, written only on the resourceVersion last stored, as the API server does. */
function leaseApi() {
  let lease: KubeObject | null = null;
  let version = 0;
  const store = (body: KubeObject): KubeObject => {
    version += 1;
    lease = structuredClone({
      ...body,
      metadata: { ...body.metadata, resourceVersion: String(version) },
    });
    return structuredClone(lease);
  };
  const fake = {
    get: async () => structuredClone(lease),
    create: async (_type: unknown, _ns: string, body: KubeObject) => {
      if (lease) throw new KubernetesApiError('AlreadyExists', 'leases "lease" exists', 409);
      return { object: store(body) };
    },
    replace: async (_type: unknown, _ns: string, _name: string, body: KubeObject) => {
      if (lease?.metadata?.resourceVersion !== body.metadata?.resourceVersion)
        throw new KubernetesApiError('Conflict', 'the object has been modified', 409);
      return store(body);
    },
  };
  return {
    client: fake as unknown as KubeClient,
    spec: () => (lease as { spec?: LeaseSpec } | null)?.spec,
    seed: (spec: LeaseSpec) => store({ metadata: { name: 'lease', namespace: 'ns' }, spec }),
  };
}

/** A 3 s lease, a 1 s renew deadline, 100 ms retries (no jitter: Math.random is 0). */
function candidate(client: KubeClient, clock: ManualClock, identity: string) {
  const elector = new LeaderElector(client, {
    namespace: 'ns',
    name: 'lease',
    identity,
    leaseDurationSeconds: 3,
    renewDeadlineSeconds: 1,
    retryPeriodSeconds: 0.1,
    clock,
    logger: noopLogger,
  });
  const stop = new AbortController();
  const led = { startedAt: -1 };
  const run = elector.run(stop.signal, {
    onStartedLeading: async (signal) => {
      led.startedAt = clock.now();
      await aborted(signal);
    },
  });
  return { elector, led, stop, run };
}

const running: ReturnType<typeof candidate>[] = [];

beforeEach(() => {
  vi.spyOn(Math, 'random').mockReturnValue(0);
});

afterEach(async () => {
  for (const { stop } of running) stop.abort();
  await Promise.all(running.splice(0).map(({ run }) => run));
  vi.restoreAllMocks();
});

function start(client: KubeClient, clock: ManualClock, identity: string) {
  const started = candidate(client, clock, identity);
  running.push(started);
  return started;
}

describe('LeaderElector acquiring', () => {
  it.each([
    ['long past', '2000-01-01T00:00:00.000000Z'],
    ['in the future', '2999-01-01T00:00:00.000000Z'],
  ])(
    'takes over a lease whose holder stopped renewing (renewTime %s) only after seeing it unchanged for its duration',
    async (_when, renewTime) => {
      const clock = new ManualClock();
      const api = leaseApi();
      api.seed({
        holderIdentity: 'crashed',
        leaseDurationSeconds: 3,
        acquireTime: renewTime,
        renewTime,
        leaseTransitions: 4,
      });
      const b = start(api.client, clock, 'b');
      // First seen at 0; the tries every 100 ms find it held until 3 s have passed.
      await clock.advanceSettling(2_999);
      expect(b.led.startedAt).toBe(-1);
      expect(b.elector.isLeader).toBe(false);
      expect(api.spec()?.holderIdentity).toBe('crashed');
      await clock.advanceSettling(101);
      expect(b.led.startedAt).toBe(3_000);
      expect(api.spec()).toMatchObject({
        holderIdentity: 'b',
        leaseDurationSeconds: 3,
        leaseTransitions: 5,
      });
      expect(api.spec()?.acquireTime).not.toBe(renewTime);
    },
  );

  it('leads alone when two candidates write the same version at once; the other waits out the renewed lease', async () => {
    const clock = new ManualClock();
    const api = leaseApi();
    api.seed({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 2 });
    const a = start(api.client, clock, 'a');
    const b = start(api.client, clock, 'b');
    await clock.advanceSettling(0);
    // Both read version 1 and wrote on it; the second write was refused as a conflict.
    const leaders = [a, b].filter(({ elector }) => elector.isLeader);
    expect(leaders).toHaveLength(1);
    const [winner, loser] = a.elector.isLeader ? [a, b] : [b, a];
    expect(api.spec()).toMatchObject({ leaseTransitions: 3 });
    // The winner renews every 100 ms; the loser never sees the lease unchanged for 3 s.
    await clock.advanceSettling(10_000);
    expect(winner.elector.isLeader).toBe(true);
    expect(loser.elector.isLeader).toBe(false);
    expect(loser.led.startedAt).toBe(-1);
    expect(api.spec()?.leaseTransitions).toBe(3);
  });

  it('releases on stop (no holder, a 1 s duration, transitions kept), and the other candidate takes it at its next try', async () => {
    const clock = new ManualClock();
    const api = leaseApi();
    const a = start(api.client, clock, 'a');
    await clock.advanceSettling(0);
    expect(a.led.startedAt).toBe(0);
    const b = start(api.client, clock, 'b');
    await clock.advanceSettling(1_000);
    expect(b.elector.isLeader).toBe(false);
    a.stop.abort();
    await a.run;
    expect(api.spec()).toMatchObject({
      holderIdentity: '',
      leaseDurationSeconds: 1,
      leaseTransitions: 0,
    });
    // b's next try, within a retry period, finds no holder and takes the lease.
    await clock.advanceSettling(100);
    expect(b.led.startedAt).toBeGreaterThan(1_000);
    expect(b.led.startedAt).toBeLessThanOrEqual(1_100);
    expect(api.spec()).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });
});
