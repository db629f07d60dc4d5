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

/**
 * A controller that runs until its signal aborts, ready once started, and what it was given.
 * Its drain after the abort lasts until `finishDrain` is called, at once unless `slowDrain`.
 */
function fakeController({ slowDrain = false } = {}) {
  const signals: AbortSignal[] = [];
  let finishDrain = () => {};
  const drained = new Promise<void>((resolve) => {
    finishDrain = resolve;
  });
  if (!slowDrain) finishDrain();
  const controller = {
    ready: false,
    reconciling: [] as string[],
    start: vi.fn(async (signal: AbortSignal) => {
      signals.push(signal);
      controller.ready = true;
      await aborted(signal);
      controller.ready = false;
      await drained;
    }),
  };
  return { controller, signals, finishDrain };
}

/** Work beside the controller that rejects with `error` once started. */
const failing = (error: Error) => ({ run: vi.fn(async () => Promise.reject(error)) });

/** How `promise` settled, once it has. */
const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );

type RunnerOf = Parameters<typeof controllerRunner>;

/** A runner of `controller` and `alongside` that competes as `me` for a lease starting as `lease`. */
function runnerAsMe(
  controller: RunnerOf[1],
  alongside: NonNullable<RunnerOf[2]>['alongside'],
  lease: KubeObject | null = null,
) {
  const { client, holder } = leaseApi(lease);
  const runner = controllerRunner(client, controller, {
    leaderElection: { ...fast, identity: 'me' },
    alongside,
  });
  return { runner, holder };
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
    expect(signals).toHaveLength(1);
    expect(collector.run).toHaveBeenCalledWith(signals[0]);
    stop.abort();
    await running;
    expect(signals[0]?.aborted).toBe(true);
  });

  it('stands by, ready, without starting anything while another replica holds the lease', async () => {
    const { controller } = fakeController();
    const collector = { run: vi.fn(aborted) };
    const { runner, holder } = runnerAsMe(controller, [collector], heldBy('other'));
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
    const { runner, holder } = runnerAsMe(controller, [collector]);
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

  it('takes no lease its default identity did not write: two replicas on one host and process id do not both lead', async () => {
    const first = fakeController();
    const second = fakeController();
    const { client, holder } = leaseApi(null);
    const a = controllerRunner(client, first.controller, { leaderElection: fast });
    const b = controllerRunner(client, second.controller, { leaderElection: fast });
    const stop = new AbortController();
    const running = [a.run(stop.signal)];
    await vi.waitFor(() => expect(first.controller.start).toHaveBeenCalledTimes(1), patience);
    const leader = holder();
    running.push(b.run(stop.signal));
    // Several attempts by b, all refused: the lease is a's, renewed every 50 ms.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(second.controller.start).not.toHaveBeenCalled();
    expect(holder()).toBe(leader);
    expect(leader).toMatch(/_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    stop.abort();
    await Promise.all(running);
  });

  it('stops on a failure of the work beside the controller: the controller drains, the lease is released after it, and run rejects with that failure', async () => {
    const { controller, signals, finishDrain } = fakeController({ slowDrain: true });
    const error = new Error('collector failed');
    const collector = failing(error);
    const { runner, holder } = runnerAsMe(controller, [collector]);
    const running = outcome(runner.run(new AbortController().signal));
    await vi.waitFor(() => expect(signals[0]?.aborted).toBe(true), patience);
    // A failure is no lost lease: the drain goes on under the lease, as on a stop.
    expect(signals[0]?.reason).toBe(error);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(holder()).toBe('me');
    finishDrain();
    expect(await running).toBe(error);
    expect(holder()).toBe('');
    // Fatal: it did not compete again and start the work a second time.
    expect(controller.start).toHaveBeenCalledTimes(1);
    expect(collector.run).toHaveBeenCalledTimes(1);
  });

  it('without leader election stops the controller on a failure beside it, and rejects with that failure once it drained', async () => {
    const { controller, signals, finishDrain } = fakeController({ slowDrain: true });
    const error = new Error('collector failed');
    const runner = controllerRunner(leaseApi(null).client, controller, {
      alongside: [failing(error)],
    });
    let settled = false;
    const running = outcome(runner.run(new AbortController().signal)).finally(() => {
      settled = true;
    });
    await vi.waitFor(() => expect(signals[0]?.aborted).toBe(true), patience);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    finishDrain();
    expect(await running).toBe(error);
  });

  it("stops the work beside the controller when the controller's start fails, and rejects with that failure", async () => {
    const error = new Error('informer failed');
    const controller = { ready: false, reconciling: [], start: vi.fn(() => Promise.reject(error)) };
    const collector = { run: vi.fn(aborted) };
    const { runner, holder } = runnerAsMe(controller, [collector]);
    expect(await outcome(runner.run(new AbortController().signal))).toBe(error);
    expect(collector.run.mock.calls[0]?.[0]?.aborted).toBe(true);
    expect(controller.start).toHaveBeenCalledTimes(1);
    expect(holder()).toBe('');
  });
});
