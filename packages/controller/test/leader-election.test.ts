import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterEach, expect, it, vi } from 'vitest';
import { Controller, LeaderElector } from '../src/index.js';
import { patience } from './widgets.js';

type Lease = KubeObject & {
  spec?: { holderIdentity?: string; leaseTransitions?: number; leaseDurationSeconds?: number };
};

// Quick retries keep the tests short; a generous renew deadline keeps a loaded machine's slow
// requests from costing the leader its lease.
const fast = { leaseDurationSeconds: 8, renewDeadlineSeconds: 6, retryPeriodSeconds: 0.25 };

describeWithControlPlane('LeaderElector on a real API server', () => {
  const env = useTestNamespace();
  const client = () => new KubeClient(env.kubeConfig);
  const stops: AbortController[] = [];
  const runs: Promise<void>[] = [];
  let leaseNumber = 0;

  afterEach(async () => {
    for (const stop of stops.splice(0)) stop.abort();
    await Promise.all(runs.splice(0));
  });

  const lease = async (name: string) => client().get<Lease>(resources.leases, env.namespace, name);

  /** Runs a candidate that records into `log` and, once told to stop, drains for `drainMs`. */
  function candidate(
    identity: string,
    name: string,
    log: string[],
    options: { drainMs?: number; leaseDurationSeconds?: number } = {},
  ) {
    const elector = new LeaderElector(client(), {
      namespace: env.namespace,
      name,
      identity,
      ...fast,
      ...(options.leaseDurationSeconds
        ? { leaseDurationSeconds: options.leaseDurationSeconds }
        : {}),
    });
    const stop = new AbortController();
    stops.push(stop);
    const done = elector.run(stop.signal, {
      onStartedLeading: async (signal) => {
        log.push(`${identity} started`);
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        log.push(`${identity} told to stop`);
        await new Promise((resolve) => setTimeout(resolve, options.drainMs ?? 0));
        log.push(`${identity} drained`);
      },
      onStoppedLeading: () => log.push(`${identity} stopped`),
    });
    runs.push(done);
    return { elector, stop, done };
  }

  const nextLease = () => {
    leaseNumber += 1;
    return `lease-${leaseNumber}`;
  };

  it('elects exactly one of two candidates and hands over when the leader releases', async () => {
    const name = nextLease();
    const log: string[] = [];
    // A long lease: the successor can only take over this quickly because the leader releases.
    const a = candidate('a', name, log, { drainMs: 300, leaseDurationSeconds: 120 });
    const b = candidate('b', name, log, { leaseDurationSeconds: 120 });
    await vi.waitFor(() => expect(log).toHaveLength(1), patience);
    const [first, second] = log[0] === 'a started' ? [a, b] : [b, a];
    const [firstId, secondId] = first === a ? ['a', 'b'] : ['b', 'a'];
    expect(first.elector.isLeader).toBe(true);
    expect(second.elector.isLeader).toBe(false);
    expect((await lease(name))?.spec?.holderIdentity).toBe(firstId);

    first.stop.abort();
    await first.done;
    await vi.waitFor(() => expect(second.elector.isLeader).toBe(true), patience);
    expect(log).toEqual([
      `${firstId} started`,
      `${firstId} told to stop`,
      `${firstId} drained`,
      `${firstId} stopped`,
      `${secondId} started`,
    ]);
    expect(first.elector.isLeader).toBe(false);
    const handedOver = await lease(name);
    expect(handedOver?.spec?.holderIdentity).toBe(secondId);
    expect(handedOver?.spec?.leaseTransitions).toBe(1);
  });

  it('takes over a lease whose holder stopped renewing once it expires', async () => {
    const name = nextLease();
    await client().create(resources.leases, env.namespace, {
      metadata: { name },
      spec: {
        holderIdentity: 'crashed',
        leaseDurationSeconds: 2,
        renewTime: new Date().toISOString().replace('Z', '000Z'),
        leaseTransitions: 4,
      },
    });
    const log: string[] = [];
    const { elector } = candidate('successor', name, log);
    await vi.waitFor(() => expect(elector.isLeader).toBe(true), patience);
    const taken = await lease(name);
    expect(taken?.spec?.holderIdentity).toBe('successor');
    expect(taken?.spec?.leaseTransitions).toBe(5);
  });

  it('stops leading when another candidate takes the lease', async () => {
    const name = nextLease();
    const log: string[] = [];
    const { elector, done } = candidate('a', name, log);
    await vi.waitFor(() => expect(elector.isLeader).toBe(true), patience);
    // A merge patch carries no resourceVersion: a read-then-replace would race the leader's
    // renewal every 250 ms and fail with a 409 on a loaded machine.
    await client().patch(resources.leases, env.namespace, name, {
      spec: { holderIdentity: 'intruder', leaseDurationSeconds: 120 },
    });
    await done;
    expect(elector.isLeader).toBe(false);
    expect(log).toEqual(['a started', 'a told to stop', 'a drained', 'a stopped']);
    expect((await lease(name))?.spec?.holderIdentity).toBe('intruder');
  });

  it('hands over only once a reconcile that ignored its aborted signal has ended', async () => {
    const name = nextLease();
    let release = () => {};
    let reconciling = false;
    const controller = new Controller({
      name: 'stubborn',
      drainTimeoutMs: 50,
      reconciler: {
        reconcile: () =>
          new Promise<void>((resolve) => {
            reconciling = true;
            release = () => {
              reconciling = false;
              resolve();
            };
          }),
      },
    });
    const elector = new LeaderElector(client(), {
      namespace: env.namespace,
      name,
      identity: 'a',
      ...fast,
      // A long lease: only a release lets the successor in this quickly.
      leaseDurationSeconds: 120,
      stragglerGraceSeconds: 60,
    });
    const stop = new AbortController();
    stops.push(stop);
    const done = elector.run(stop.signal, {
      onStartedLeading: (leading) => controller.start(leading),
    });
    runs.push(done);
    await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(reconciling).toBe(true), patience);
    const log: string[] = [];
    const b = candidate('b', name, log, { leaseDurationSeconds: 120 });
    stop.abort(new Error('received SIGTERM'));
    // start resolves 3 s after aborting the reconcile; the lease stays held past that.
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    expect(controller.reconciling).toEqual(['ns/a']);
    expect(b.elector.isLeader).toBe(false);
    expect((await lease(name))?.spec?.holderIdentity).toBe('a');
    release();
    await done;
    await vi.waitFor(() => expect(b.elector.isLeader).toBe(true), patience);
    expect(log).toEqual(['b started']);
  });
});
