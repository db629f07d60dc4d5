/**
 * Past 350 lines: the elector's options, renewal, release and timing, over one scripted Lease
 * API (scriptedLeaseApi) its four describes share.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigurationError, requestRefusal, withRequestGate } from '@roundhouse/core';
import { KubeClient, type KubeObject, type RequestOptions } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { Controller } from './controller.js';
import { aborted } from './delay.js';
import { LeaderElector } from './leader-election.js';
import { LeadershipLostError } from './leadership.js';

const client = new KubeClient(new KubeConfig());
const base = { namespace: 'ns', name: 'lease', identity: 'a' };
const patience = { timeout: 5_000, interval: 5 };

describe('LeaderElector options', () => {
  it("accepts client-go's defaults", () => {
    expect(new LeaderElector(client, base).isLeader).toBe(false);
  });

  it('accepts a dotted Lease name and the longest namespace', () => {
    const options = { ...base, namespace: 'a'.repeat(63), name: 'widgets.example.com' };
    expect(new LeaderElector(client, options).isLeader).toBe(false);
  });

  it.each([
    [{ leaseDurationSeconds: 10, renewDeadlineSeconds: 10 }, 'renewDeadlineSeconds'],
    [{ renewDeadlineSeconds: 2, retryPeriodSeconds: 2 }, 'retryPeriodSeconds'],
    [{ leaseDurationSeconds: 1.5 }, 'leaseDurationSeconds'],
    [{ identity: '' }, 'identity'],
    [{ stragglerGraceSeconds: -1 }, 'stragglerGraceSeconds'],
    // Every request would fail; the candidate would stand by, Ready, and no one would lead.
    [{ namespace: '' }, 'namespace'],
    [{ namespace: 'Team-A' }, 'namespace'],
    [{ namespace: 'a.b' }, 'namespace'],
    [{ namespace: 'a'.repeat(64) }, 'namespace'],
    [{ name: '' }, 'name'],
    [{ name: 'my_lease' }, 'name'],
    [{ name: '-lease' }, 'name'],
  ])('rejects %o, naming %s', (options, path) => {
    const error = (() => {
      try {
        new LeaderElector(client, { ...base, ...options });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues.map((i) => i.path)).toContain(path);
  });
});

type Mode = 'answer' | 'fail' | 'hang';

/** A Lease API whose answers the test switches between answering, failing fast and hanging. */
function scriptedLeaseApi() {
  let lease: KubeObject | null = null;
  let version = 0;
  const api = {
    mode: 'answer' as Mode,
    renewals: [] as number[],
    lease: () => lease,
    /** When each request was sent. */
    sent: [] as number[],
    /** Delays of the next requests' answers, which no abort cuts short (already on their way). */
    delays: [] as number[],
    /** Requests the caller aborted while they hung. */
    aborted: 0,
    /** Called after each write is stored. */
    onStore: () => {},
    /** Lease requests sent while the work around them ran under a gate that refused them. */
    refused: 0,
  };
  const answer = async <T>(value: T, signal?: AbortSignal): Promise<T> => {
    api.sent.push(performance.now());
    if (requestRefusal()) api.refused += 1;
    const wait = api.delays.shift();
    if (wait) await new Promise((resolve) => setTimeout(resolve, wait));
    return respond(value, signal);
  };
  const respond = <T>(value: T, signal?: AbortSignal): Promise<T> => {
    if (api.mode === 'fail') return Promise.reject(new Error('connection refused'));
    if (api.mode === 'hang')
      return new Promise((_, reject) =>
        signal?.addEventListener(
          'abort',
          () => {
            api.aborted += 1;
            reject(signal.reason);
          },
          { once: true },
        ),
      );
    return Promise.resolve(value);
  };
  const store = (body: KubeObject): KubeObject => {
    version += 1;
    lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(version) } };
    api.renewals.push(performance.now());
    api.onStore();
    return lease;
  };
  const fake = {
    get: (_type: unknown, _ns: string, _name: string, options?: RequestOptions) =>
      answer(lease, options?.signal),
    create: (_type: unknown, _ns: string, body: KubeObject, options?: RequestOptions) =>
      answer(null, options?.signal).then(() => ({ object: store(body) })),
    replace: (
      _type: unknown,
      _ns: string,
      _name: string,
      body: KubeObject,
      options?: RequestOptions,
    ) => answer(null, options?.signal).then(() => store(body)),
  };
  return { api, client: fake as unknown as KubeClient };
}

type LeaseApi = ReturnType<typeof scriptedLeaseApi>['api'];

/** Timings short enough for a test to see a term lost: a 3 s lease, a 1 s renew deadline. */
const quick = {
  ...base,
  leaseDurationSeconds: 3,
  renewDeadlineSeconds: 1,
  retryPeriodSeconds: 0.1,
};

/** Waits until the elector took the lease and renewed it at least once. */
const renewedOnce = (api: LeaseApi) =>
  vi.waitFor(() => expect(api.renewals.length).toBeGreaterThanOrEqual(2), patience);

/** Stops the whole process for `ms`, as SIGSTOP would: no timer or I/O runs meanwhile. */
const pauseProcess = (ms: number) =>
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describe('LeaderElector renewing', { timeout: 10_000 }, () => {
  it('stops leading before the lease can expire when a renewal hangs after quick failures', async () => {
    const { api, client: fake } = scriptedLeaseApi();
    const elector = new LeaderElector(fake, { ...quick, renewDeadlineSeconds: 2 });
    let lostAt = 0;
    let reason: unknown;
    const stop = new AbortController();
    const run = elector.run(stop.signal, {
      onStartedLeading: async (signal) => {
        await aborted(signal);
        lostAt = performance.now();
        reason = signal.reason;
      },
    });
    // Once renewed, the API server refuses connections, then takes requests it never answers.
    await renewedOnce(api);
    api.mode = 'fail';
    const lastRenewal = api.renewals.at(-1) as number;
    setTimeout(() => {
      api.mode = 'hang';
    }, 1_600);
    await run;
    stop.abort();
    // Other candidates take over 3 s after they saw the last renewal; this one must be gone by then.
    expect(lostAt - lastRenewal).toBeGreaterThan(0);
    expect(lostAt - lastRenewal).toBeLessThan(2_600);
    expect(reason).toBeInstanceOf(LeadershipLostError);
    expect(elector.isLeader).toBe(false);
  });

  it('stops leading at once when it wakes from a pause past the renew deadline', async () => {
    const { api, client: fake } = scriptedLeaseApi();
    const elector = new LeaderElector(fake, quick);
    let reason: unknown;
    const run = elector.run(new AbortController().signal, {
      onStartedLeading: async (signal) => {
        await aborted(signal);
        reason = signal.reason;
      },
    });
    await renewedOnce(api);
    // The whole process stops for 1.2 s; the API server answers at once after.
    pauseProcess(1_200);
    const renewalsBefore = api.renewals.length;
    await run;
    expect(reason).toBeInstanceOf(LeadershipLostError);
    expect(api.renewals.length).toBe(renewalsBefore);
  });

  it("refuses the term's next request on waking from a pause past the renew deadline, even one an answer was waiting on", async () => {
    const { api, client: fake } = scriptedLeaseApi();
    const elector = new LeaderElector(fake, quick);
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const refusals: (Error | undefined)[] = [];
    let endedByRefusal = false;
    const run = elector.run(new AbortController().signal, {
      onStartedLeading: async (signal) => {
        refusals.push(requestRefusal());
        // A reconcile waiting on the API server's answer to its first request.
        await answered;
        refusals.push(requestRefusal());
        endedByRefusal = signal.aborted;
      },
    });
    await renewedOnce(api);
    // The answer arrives while the whole process is stopped, as under SIGSTOP, and is the first
    // thing it handles on waking: another replica may lead by now.
    setImmediate(() => {
      pauseProcess(1_200);
      answer();
    });
    await run;
    expect(refusals[0]).toBeUndefined();
    expect(refusals[1]).toBeInstanceOf(LeadershipLostError);
    // The refusal is how the term learns of the loss: it ends there and then.
    expect(endedByRefusal).toBe(true);
  });

  it("refuses the requests of the term's work once the lease is released, and never the Lease's own", async () => {
    const { api, client: fake } = scriptedLeaseApi();
    const elector = new LeaderElector(fake, { ...base, retryPeriodSeconds: 0.1 });
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    let late: Error | undefined;
    const stop = new AbortController();
    // Started from work that runs under a gate of its own, which refuses everything.
    const run = withRequestGate(
      () => new Error('refused'),
      () =>
        elector.run(stop.signal, {
          onStartedLeading: () => {
            // Work the term started and did not wait for, still waiting on an answer.
            void answered.then(() => {
              late = requestRefusal();
            });
          },
        }),
    );
    await renewedOnce(api);
    stop.abort();
    await run;
    expect(api.lease()?.spec).toMatchObject({ holderIdentity: '' });
    answer();
    await answered;
    expect(late).toBeInstanceOf(LeadershipLostError);
    expect(api.refused).toBe(0);
  });

  it('reconciles nothing on waking from a pause past the renew deadline, even a requeue due first', async () => {
    const { api, client: fake } = scriptedLeaseApi();
    const elector = new LeaderElector(fake, quick);
    const started: number[] = [];
    const controller = new Controller({
      name: 'test',
      reconciler: {
        reconcile: async () => {
          started.push(performance.now());
          return { requeueAfter: 5 };
        },
      },
    });
    const run = elector.run(new AbortController().signal, {
      onStartedLeading: (leading) => controller.start(leading),
    });
    await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(started.length).toBeGreaterThan(2), patience);
    // Right after a renewal the process stops for 1.2 s, as under SIGSTOP: the requeue's timer
    // (due within 5 ms) falls due before the next renewal's (about 100 ms). On waking, Node runs
    // due timers in the order they fell due, before any I/O, so the requeue comes first; another
    // replica may lead by now, so it must not reconcile.
    let wokeAt = 0;
    api.onStore = () => {
      api.onStore = () => {};
      setImmediate(() => {
        pauseProcess(1_200);
        wokeAt = performance.now();
      });
    };
    await run;
    expect(wokeAt).toBeGreaterThan(0);
    expect(started.filter((at) => at >= wokeAt)).toEqual([]);
  });

  it('aborts lost when renewing fails after a stop, while the work still drains', async () => {
    const { api, client: fake } = scriptedLeaseApi();
    const elector = new LeaderElector(fake, quick);
    const stop = new AbortController();
    let lostReason: unknown;
    const run = elector.run(stop.signal, {
      onStartedLeading: async (signal, lost) => {
        await aborted(signal);
        expect(lost.aborted).toBe(false);
        api.mode = 'fail';
        await aborted(lost);
        lostReason = lost.reason;
      },
    });
    await renewedOnce(api);
    stop.abort(new Error('received SIGTERM'));
    await run;
    expect(lostReason).toBeInstanceOf(LeadershipLostError);
  });

  it("cuts a Controller's drain short when the lease is lost during it", async () => {
    const { api, client: fake } = scriptedLeaseApi();
    const elector = new LeaderElector(fake, quick);
    let reconciling = false;
    let abortReason: unknown;
    const controller = new Controller({
      name: 'test',
      // Longer than the lease: only the loss of the lease can end this drain in time.
      drainTimeoutMs: 20_000,
      reconciler: {
        reconcile: async (_key, { signal }) => {
          reconciling = true;
          await aborted(signal);
          abortReason = signal.reason;
        },
      },
    });
    const stop = new AbortController();
    const run = elector.run(stop.signal, {
      onStartedLeading: (leading) => controller.start(leading),
    });
    await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(reconciling).toBe(true), patience);
    stop.abort(new Error('received SIGTERM'));
    api.mode = 'fail';
    const stoppedAt = performance.now();
    await run;
    expect(abortReason).toBeInstanceOf(LeadershipLostError);
    // Renewing gives up after the 1 s renew deadline, well before the 3 s lease expires.
    expect(performance.now() - stoppedAt).toBeLessThan(2_500);
  });
});

const noisyLogger = () => ({ debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() });

describe('LeaderElector and work left running', { timeout: 20_000 }, () => {
  const elect = (fake: KubeClient, stragglerGraceSeconds: number, logger = noisyLogger()) =>
    new LeaderElector(fake, { ...quick, stragglerGraceSeconds, logger });

  /** A Controller whose first reconcile of each key ignores its signal until released. */
  function stubborn() {
    const started: string[] = [];
    const releases: (() => void)[] = [];
    let active = 0;
    let most = 0;
    const controller = new Controller({
      name: 'test',
      drainTimeoutMs: 50,
      reconciler: {
        async reconcile(key) {
          const first = !started.includes(key);
          started.push(key);
          active += 1;
          most = Math.max(most, active);
          try {
            if (first) await new Promise<void>((resolve) => releases.push(resolve));
          } finally {
            active -= 1;
          }
        },
      },
    });
    return {
      controller,
      started,
      release: () => {
        for (const release of releases.splice(0)) release();
      },
      most: () => most,
      /** Has `elector` lead with the controller until the first reconcile of ns/a holds on. */
      async leadUntilHeld(elector: LeaderElector, signal: AbortSignal) {
        const run = elector.run(signal, {
          onStartedLeading: (leading) => controller.start(leading),
        });
        await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
        controller.enqueue('ns/a');
        await vi.waitFor(() => expect(started).toEqual(['ns/a']), patience);
        return { run };
      },
    };
  }

  it('keeps the lease, renewed and unreleased, while a reconcile left behind runs, and releases it after', async () => {
    const { api, client: fake } = scriptedLeaseApi();
    const elector = elect(fake, 10);
    const { controller, release, leadUntilHeld } = stubborn();
    const stop = new AbortController();
    let ran = false;
    const run = (await leadUntilHeld(elector, stop.signal)).run.then(() => {
      ran = true;
    });
    stop.abort(new Error('received SIGTERM'));
    // The drain (50 ms) and the 3 s for aborted reconciles pass; the reconcile still runs.
    await vi.waitFor(() => expect(controller.ready).toBe(false), patience);
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect(controller.reconciling).toEqual(['ns/a']);
    expect(ran).toBe(false);
    const renewals = api.renewals.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(api.renewals.length).toBeGreaterThan(renewals);
    expect(api.lease()?.spec).toMatchObject({ holderIdentity: 'a' });
    expect(elector.isLeader).toBe(true);
    release();
    await run;
    expect(controller.reconciling).toEqual([]);
    expect(api.lease()?.spec).toMatchObject({ holderIdentity: '' });
  });

  it('leaves the lease unreleased past its grace, and the next term waits for the key', async () => {
    const { api, client: fake } = scriptedLeaseApi();
    const logger = noisyLogger();
    const elector = elect(fake, 0.2, logger);
    const { controller, started, release, most, leadUntilHeld } = stubborn();
    const first = new AbortController();
    const { run } = await leadUntilHeld(elector, first.signal);
    first.abort(new Error('stop'));
    await run;
    expect(controller.reconciling).toEqual(['ns/a']);
    expect(api.lease()?.spec).toMatchObject({ holderIdentity: 'a' });
    expect(logger.error).toHaveBeenCalledWith(
      expect.anything(),
      expect.stringContaining('the lease is left unreleased'),
    );
    // Competing again, it takes its own lease back at once; the key waits for its reconcile.
    const second = new AbortController();
    const again = elector.run(second.signal, {
      onStartedLeading: (leading) => controller.start(leading),
    });
    await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
    controller.enqueue('ns/a');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(started).toEqual(['ns/a']);
    release();
    await vi.waitFor(() => expect(started).toEqual(['ns/a', 'ns/a']), patience);
    expect(most()).toBe(1);
    second.abort(new Error('stop'));
    await again;
    expect(api.lease()?.spec).toMatchObject({ holderIdentity: '' });
  });

  /** Leads until a reconcile holds on, then fails every Lease request until the term is lost. */
  async function loseLeaseWhileHeld(stragglerGraceSeconds: number) {
    const { api, client: fake } = scriptedLeaseApi();
    const logger = noisyLogger();
    const stuck = stubborn();
    const elector = elect(fake, stragglerGraceSeconds, logger);
    const { run } = await stuck.leadUntilHeld(elector, new AbortController().signal);
    const failingFrom = performance.now();
    api.mode = 'fail';
    await run;
    return { ...stuck, logger, failingFrom };
  }

  it('says to end the process when the lease is lost while such work runs', async () => {
    const { controller, release, logger } = await loseLeaseWhileHeld(0.2);
    expect(controller.reconciling).toEqual(['ns/a']);
    expect(logger.error).toHaveBeenCalledWith(
      expect.anything(),
      expect.stringContaining('end the process'),
    );
    release();
  });

  it('does not wait out the grace for such work once the lease is lost', async () => {
    // A grace this long is for a stop; a lost lease is not renewed through it.
    const { controller, release, logger, failingFrom } = await loseLeaseWhileHeld(10);
    // The 1 s renew deadline, then the Controller's 3 s for aborted reconciles; the lease,
    // unrenewed, expires 3 s after the last renewal, so the process must learn it is to end now.
    expect(performance.now() - failingFrom).toBeLessThan(5_500);
    expect(controller.reconciling).toEqual(['ns/a']);
    expect(logger.warn).not.toHaveBeenCalledWith(
      expect.anything(),
      expect.stringContaining('keeping the lease'),
    );
    expect(logger.error).toHaveBeenCalledWith(
      expect.anything(),
      expect.stringContaining('end the process'),
    );
    release();
  });
});

describe('LeaderElector timing from the request', { timeout: 20_000 }, () => {
  const elect = (fake: KubeClient, logger = noisyLogger()) =>
    new LeaderElector(fake, { ...quick, logger });

  /** Resolves with when and why the leading signal aborted. */
  const leadUntilAborted = (onStart?: () => void) => {
    const result = { startedAt: 0, abortedAt: 0, reason: undefined as unknown };
    const onStartedLeading = async (signal: AbortSignal) => {
      result.startedAt = performance.now();
      onStart?.();
      await aborted(signal);
      result.abortedAt = performance.now();
      result.reason = signal.reason;
    };
    return { result, onStartedLeading };
  };

  it('does not lead on a lease it took more slowly than the renew deadline, and leads on a quick renewal after', async () => {
    const { api, client: fake } = scriptedLeaseApi();
    const logger = noisyLogger();
    // The lease is read at once, but the create that takes it is answered after 1.1 s.
    api.delays.push(0, 1_100);
    let writesWhenStarted = 0;
    const { onStartedLeading } = leadUntilAborted(() => {
      writesWhenStarted = api.renewals.length;
    });
    const stop = new AbortController();
    const run = elect(fake, logger).run(stop.signal, { onStartedLeading });
    await vi.waitFor(() => expect(writesWhenStarted).toBeGreaterThan(0), patience);
    expect(writesWhenStarted).toBe(2);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ renewDeadlineMs: 1_000 }),
      expect.stringContaining('too slowly'),
    );
    stop.abort();
    await run;
  });

  it('bounds an acquisition attempt by the renew deadline', async () => {
    const { api, client: fake } = scriptedLeaseApi();
    api.mode = 'hang';
    const { result, onStartedLeading } = leadUntilAborted();
    const stop = new AbortController();
    const run = elect(fake).run(stop.signal, { onStartedLeading });
    await vi.waitFor(() => expect(api.aborted).toBe(1), patience);
    api.mode = 'answer';
    await vi.waitFor(() => expect(result.startedAt).toBeGreaterThan(0), patience);
    stop.abort();
    await run;
  });

  it('counts the renew deadline from when a renewal was sent, not from its answer', async () => {
    const { api, client: fake } = scriptedLeaseApi();
    const { result, onStartedLeading } = leadUntilAborted();
    const run = elect(fake).run(new AbortController().signal, { onStartedLeading });
    await renewedOnce(api);
    // The next renewal's read is answered after 0.6 s and its write at once; then every request
    // hangs. The lease counts from that read's sending, so leading ends 1 s after it.
    let sentAt = 0;
    api.delays.push(600);
    const sentBefore = api.sent.length;
    api.onStore = () => {
      sentAt = api.sent[sentBefore] as number;
      api.mode = 'hang';
      api.onStore = () => {};
    };
    await run;
    expect(sentAt).toBeGreaterThan(0);
    expect(result.reason).toBeInstanceOf(LeadershipLostError);
    expect(result.abortedAt - sentAt).toBeGreaterThanOrEqual(950);
    // Counted from the answer, it would have gone on until 1.6 s after the read was sent.
    expect(result.abortedAt - sentAt).toBeLessThan(1_350);
  });

  it('stops leading when a renewal is answered only past the renew deadline', async () => {
    const { api, client: fake } = scriptedLeaseApi();
    const { result, onStartedLeading } = leadUntilAborted();
    const run = elect(fake).run(new AbortController().signal, { onStartedLeading });
    await renewedOnce(api);
    const sentBefore = api.sent.length;
    // An answer already on its way arrives 1.1 s after the read was sent, past the deadline.
    api.delays.push(1_100);
    await run;
    const sentAt = api.sent[sentBefore] as number;
    expect(result.reason).toBeInstanceOf(LeadershipLostError);
    expect(result.abortedAt - sentAt).toBeLessThan(1_350);
  });
});
