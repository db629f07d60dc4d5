import type { KubeClient, KubeObject } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { controllerRunner } from './controller-runner.js';
import { aborted } from './delay.js';

const patience = { timeout: 5_000, interval: 5 };
const fast = {
  namespace: 'ns',
  name: 'lease',
  leaseDurationSeconds: 8,
  renewDeadlineSeconds: 6,
  retryPeriodSeconds: 0.05,
};

/** A Lease API that stores what it is sent, starting from `lease`. */
function leaseApi(initial: KubeObject | null) {
  let lease = initial;
  let version = 0;
  const store = (body: KubeObject): KubeObject => {
    version += 1;
    lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(version) } };
    return lease;
  };
  const client = {
    get: async () => lease,
    create: async (_type: unknown, _ns: string, body: KubeObject) => ({ object: store(body) }),
    replace: async (_type: unknown, _ns: string, _name: string, body: KubeObject) => store(body),
  };
  const holder = () => (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
  return { holder, client: client as unknown as KubeClient };
}

const heldBy = (holderIdentity: string): KubeObject => ({
  metadata: { name: 'lease', namespace: 'ns', resourceVersion: '1' },
  spec: { holderIdentity, leaseDurationSeconds: 8, renewTime: new Date().toISOString() },
});

/** A controller that runs until its signal aborts, ready once started, and what it was given. */
function fakeController() {
  const signals: AbortSignal[] = [];
  const controller = {
    ready: false,
    reconciling: [] as string[],
    start: vi.fn(async (signal: AbortSignal) => {
      signals.push(signal);
      controller.ready = true;
      await aborted(signal);
      controller.ready = false;
    }),
  };
  return { controller, signals };
}

describe('controllerRunner', () => {
  it('without leader election runs the controller and the work beside it at once, ready as the controller is', async () => {
    const { controller, signals } = fakeController();
    const collector = { run: vi.fn(aborted) };
    const runner = controllerRunner(leaseApi(null).client, controller, { alongside: [collector] });
    expect(runner.ready).toBe(false);
    const stop = new AbortController();
    const running = runner.run(stop.signal);
    await vi.waitFor(() => expect(runner.ready).toBe(true), patience);
    expect(signals).toEqual([stop.signal]);
    expect(collector.run).toHaveBeenCalledWith(stop.signal);
    stop.abort();
    await running;
  });

  it('stands by, ready, without starting anything while another replica holds the lease', async () => {
    const { controller } = fakeController();
    const collector = { run: vi.fn(aborted) };
    const { client, holder } = leaseApi(heldBy('other'));
    const runner = controllerRunner(client, controller, {
      leaderElection: { ...fast, identity: 'me' },
      alongside: [collector],
    });
    const stop = new AbortController();
    const running = runner.run(stop.signal);
    // Several attempts to take the lease, all refused: it is held and was renewed just now.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(runner.ready).toBe(true);
    expect(controller.start).not.toHaveBeenCalled();
    expect(collector.run).not.toHaveBeenCalled();
    expect(holder()).toBe('other');
    stop.abort();
    await running;
  });

  it('runs the controller and the work beside it once it leads, ready once the controller is, and releases the lease on a stop', async () => {
    const { controller, signals } = fakeController();
    const collector = { run: vi.fn(aborted) };
    const { client, holder } = leaseApi(null);
    const runner = controllerRunner(client, controller, {
      leaderElection: { ...fast, identity: 'me' },
      alongside: [collector],
    });
    const stop = new AbortController();
    const running = runner.run(stop.signal);
    await vi.waitFor(() => expect(controller.start).toHaveBeenCalledTimes(1), patience);
    expect(holder()).toBe('me');
    // The leading signal, not the stop signal: it also aborts when the lease is lost.
    expect(signals[0]).not.toBe(stop.signal);
    expect(collector.run).toHaveBeenCalledWith(signals[0]);
    expect(runner.ready).toBe(true);
    controller.ready = false;
    expect(runner.ready).toBe(false);
    stop.abort();
    await running;
    expect(signals[0]?.aborted).toBe(true);
    expect(holder()).toBe('');
  });
});
