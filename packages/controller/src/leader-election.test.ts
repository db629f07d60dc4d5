/**
 * Past 350 lines: the elector's options, renewal, release and timing, over one scripted Lease
 * API (scriptedLeaseApi) and one clock the test moves (ManualClock) its four describes share.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigurationError, requestRefusal, withRequestGate } from '@roundhouse/core';
import { KubeClient, type KubeObject, type RequestOptions } from '@roundhouse/kube';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Clock, ManualClock } from './clock.js';
import { Controller } from './controller.js';
import { aborted } from './delay.js';
import { LeaderElector, type LeaderElectorOptions } from './leader-election.js';
import { LeadershipLostError } from './leadership.js';

const client = new KubeClient(new KubeConfig());
const base = { namespace: 'ns', name: 'lease', identity: 'a' };
const patience = { timeout: 5_000, interval: 5 };

describe('LeaderElector options', () => {
  it("accepts client-go's defaults", () => {
    expect(new LeaderElector(client, base).isLeader).toBe(false);
  });

  it('accepts a clock of its own', () => {
    expect(new LeaderElector(client, { ...base, clock: new ManualClock() }).isLeader).toBe(false);
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
    [{ clock: {} as Clock }, 'clock'],
    [{ clock: { now: () => 0 } as Clock }, 'clock'],
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

/** Lets what is already set off run: the scripted API answers in promise callbacks only. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

type Mode = 'answer' | 'fail' | 'hang';

/**
 * A Lease API on `clock` whose answers the test switches between answering, failing fast and
 * hanging.
 */
function scriptedLeaseApi(clock: ManualClock) {
  let lease: KubeObject | null = null;
  let version = 0;
  const api = {
    mode: 'answer' as Mode,
    /** When each write was stored. */
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
    api.sent.push(clock.now());
    if (requestRefusal()) api.refused += 1;
    const wait = api.delays.shift();
    if (wait) await new Promise<void>((resolve) => clock.setTimer(resolve, wait));
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
    api.renewals.push(clock.now());
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

/** Timings short enough to read a timeline by: a 3 s lease, a 1 s renew deadline, 100 ms retries. */
const quick = {
  ...base,
  leaseDurationSeconds: 3,
  renewDeadlineSeconds: 1,
  retryPeriodSeconds: 0.1,
};

/** A scripted Lease API and an elector with `options`, both on one ManualClock at 0. */
function onManualClock(options: Partial<LeaderElectorOptions> = {}) {
  const clock = new ManualClock();
  const { api, client: fake } = scriptedLeaseApi(clock);
  const elector = new LeaderElector(fake, { ...quick, ...options, clock });
  return { clock, api, elector };
}

/**
 * Lets the elector that took the lease at 0 renew it once, at 100 ms (the retry period), and
 * stops there: the next renewal is due at 200.
 */
async function renewOnce(clock: ManualClock, api: { renewals: number[] }) {
  await clock.advanceSettling(100);
  expect(api.renewals).toEqual([0, 100]);
}

describe('LeaderElector renewing', { timeout: 20_000 }, () => {
  it('stops leading before the lease can expire when a renewal hangs after quick failures', async () => {
    const { clock, api, elector } = onManualClock({ renewDeadlineSeconds: 2 });
    let lostAt = 0;
    let reason: unknown;
    const stop = new AbortController();
    const run = elector.run(stop.signal, {
      onStartedLeading: async (signal) => {
        await aborted(signal);
        lostAt = clock.now();
        reason = signal.reason;
      },
    });
    await renewOnce(clock, api);
    // From the renewal at 100 the API server refuses connections; from 1700 it takes requests
    // it never answers, so the renewal sent at 1700 hangs.
    api.mode = 'fail';
    await clock.advanceSettling(1_599);
    expect(api.sent.at(-1)).toBe(1_600);
    expect(lostAt).toBe(0);
    api.mode = 'hang';
    await clock.advanceSettling(1_000);
    // Other candidates take over 3 s after they saw the renewal at 100. The hanging request is
    // cut off at the renew deadline counted from that renewal, not from when it was sent.
    expect(api.sent.at(-1)).toBe(1_700);
    expect(api.aborted).toBe(1);
    expect(lostAt).toBe(100 + 2_000);
    expect(reason).toBeInstanceOf(LeadershipLostError);
    expect(elector.isLeader).toBe(false);
    await run;
    stop.abort();
  });

  it('stops leading at once when it wakes from a pause past the renew deadline', async () => {
    const { clock, api, elector } = onManualClock();
    let lostAt = 0;
    let reason: unknown;
    const run = elector.run(new AbortController().signal, {
      onStartedLeading: async (signal) => {
        await aborted(signal);
        lostAt = clock.now();
        reason = signal.reason;
      },
    });
    await renewOnce(clock, api);
    // The whole process stops for 1.2 s, past the deadline of 1100; the API server answers at
    // once after.
    const sentBefore = api.sent.length;
    clock.pause(1_200);
    await clock.advanceSettling(0);
    expect(reason).toBeInstanceOf(LeadershipLostError);
    expect(lostAt).toBe(1_300);
    // Nothing was asked of the API server on waking: another replica may lead by now.
    expect(api.sent.length).toBe(sentBefore);
    expect(api.renewals).toEqual([0, 100]);
    await run;
  });

  it("refuses the term's next request on waking from a pause past the renew deadline, even one an answer was waiting on", async () => {
    const { clock, api, elector } = onManualClock();
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
    await renewOnce(clock, api);
    // The answer arrives while the whole process is stopped, as under SIGSTOP, and is the first
    // thing it handles on waking, before the renewal timer that fell due meanwhile: another
    // replica may lead by now.
    clock.pause(1_200);
    answer();
    await settle();
    expect(refusals[0]).toBeUndefined();
    expect(refusals[1]).toBeInstanceOf(LeadershipLostError);
    // The refusal is how the term learns of the loss: it ends there and then.
    expect(endedByRefusal).toBe(true);
    expect(elector.isLeader).toBe(false);
    await clock.advanceSettling(0);
    await run;
    expect(api.renewals).toEqual([0, 100]);
  });

  it("refuses the requests of the term's work once the lease is released, and never the Lease's own", async () => {
    const { clock, api, elector } = onManualClock({
      leaseDurationSeconds: 15,
      renewDeadlineSeconds: 10,
    });
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
    await renewOnce(clock, api);
    stop.abort();
    await run;
    expect(api.lease()?.spec).toMatchObject({ holderIdentity: '' });
    answer();
    await answered;
    expect(late).toBeInstanceOf(LeadershipLostError);
    expect(api.refused).toBe(0);
  });

  it('reconciles nothing on waking from a pause past the renew deadline, even a requeue due first', async () => {
    const { clock, api, elector } = onManualClock();
    let awake = false;
    const startedAwake: number[] = [];
    let started = 0;
    const controller = new Controller({
      name: 'test',
      reconciler: {
        reconcile: async () => {
          started += 1;
          if (awake) startedAwake.push(clock.now());
          return { requeueAfter: 5 };
        },
      },
    });
    const run = elector.run(new AbortController().signal, {
      onStartedLeading: (leading) => controller.start(leading),
    });
    await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(started).toBeGreaterThan(2), patience);
    await renewOnce(clock, api);
    // Right after the renewal at 100 the process stops for 1.2 s, as under SIGSTOP. The requeue
    // (due within 5 ms, on the Controller's real timers) falls due before the next renewal's
    // timer (at 200), and Node runs due timers in the order they fell due, before any I/O: the
    // requeue comes first on waking. Another replica may lead by now, so it must not reconcile.
    clock.pause(1_200);
    awake = true;
    await vi.waitFor(
      () => expect(startedAwake.length > 0 || !elector.isLeader).toBe(true),
      patience,
    );
    expect(startedAwake).toEqual([]);
    expect(controller.ready).toBe(false);
    await clock.advanceSettling(0);
    await run;
    expect(startedAwake).toEqual([]);
    expect(api.renewals).toEqual([0, 100]);
  });

  it('aborts lost when renewing fails after a stop, while the work still drains', async () => {
    const { clock, api, elector } = onManualClock();
    const stop = new AbortController();
    let lostReason: unknown;
    let lostAt = 0;
    const run = elector.run(stop.signal, {
      onStartedLeading: async (signal, lost) => {
        await aborted(signal);
        expect(lost.aborted).toBe(false);
        api.mode = 'fail';
        await aborted(lost);
        lostAt = clock.now();
        lostReason = lost.reason;
      },
    });
    await renewOnce(clock, api);
    stop.abort(new Error('received SIGTERM'));
    // Renewing fails from here on; the deadline counted from the renewal at 100 is 1100.
    await clock.advanceSettling(999);
    expect(lostReason).toBeUndefined();
    // Renewing looks at least every retry period, so it sees the deadline passed within one,
    // long before the lease expires at 3100.
    await clock.advanceSettling(100);
    expect(lostReason).toBeInstanceOf(LeadershipLostError);
    expect(lostAt).toBeGreaterThanOrEqual(1_100);
    await run;
  });

  it("cuts a Controller's drain short when the lease is lost during it", async () => {
    const { clock, api, elector } = onManualClock();
    let reconciling = false;
    let abortedAt = 0;
    let abortReason: unknown;
    const controller = new Controller({
      name: 'test',
      // Longer than the lease: only the loss of the lease can end this drain in time.
      drainTimeoutMs: 20_000,
      reconciler: {
        reconcile: async (_key, { signal }) => {
          reconciling = true;
          await aborted(signal);
          abortedAt = clock.now();
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
    await renewOnce(clock, api);
    // The API server stops answering: the renewal sent at 200 hangs until it is cut off at the
    // renew deadline counted from the renewal at 100.
    stop.abort(new Error('received SIGTERM'));
    api.mode = 'hang';
    await clock.advanceSettling(999);
    expect(abortReason).toBeUndefined();
    expect(controller.reconciling).toEqual(['ns/a']);
    await clock.advanceSettling(1);
    expect(abortReason).toBeInstanceOf(LeadershipLostError);
    // Renewing gives up at the 1 s renew deadline, well before the 3 s lease expires.
    expect(abortedAt).toBe(100 + 1_000);
    await run;
    expect(controller.reconciling).toEqual([]);
  });
});

const noisyLogger = () => ({ debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() });

describe('LeaderElector and work left running', { timeout: 30_000 }, () => {
  const elect = (stragglerGraceSeconds: number, logger = noisyLogger()) => ({
    ...onManualClock({ stragglerGraceSeconds, logger }),
    logger,
  });

  /**
   * A Controller on `clock` whose first reconcile of each key ignores its signal until
   * released; `abortedAt` says when, on `clock`, the reconciles' signals aborted.
   */
  function stubborn(clock: ManualClock) {
    const started: string[] = [];
    const abortedAt: number[] = [];
    const releases: (() => void)[] = [];
    let active = 0;
    let most = 0;
    const controller = new Controller({
      name: 'test',
      drainTimeoutMs: 50,
      clock,
      reconciler: {
        async reconcile(key, { signal }) {
          signal.addEventListener('abort', () => abortedAt.push(clock.now()), { once: true });
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
      abortedAt,
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

  const keepsTheLease = (logger: ReturnType<typeof noisyLogger>) =>
    logger.warn.mock.calls.some(([, message]) => String(message).includes('keeping the lease'));

  /**
   * Moves the clock through a stopped Controller's drain (50 ms) and the 3 s it then gives its
   * aborted reconciles, checking each ends exactly on time, up to when the elector, with the
   * reconcile still running, keeps the lease for it.
   */
  async function throughTheControllersShutdown(
    clock: ManualClock,
    abortedAt: readonly number[],
    logger: ReturnType<typeof noisyLogger>,
  ) {
    const stoppedAt = clock.now();
    await clock.advanceSettling(49);
    expect(abortedAt).toEqual([]);
    await clock.advanceSettling(1);
    expect(abortedAt).toEqual([stoppedAt + 50]);
    await clock.advanceSettling(2_999);
    expect(keepsTheLease(logger)).toBe(false);
    await clock.advanceSettling(1);
    expect(keepsTheLease(logger)).toBe(true);
  }

  it('keeps the lease, renewed and unreleased, while a reconcile left behind runs, and releases it after', async () => {
    const { clock, api, elector, logger } = elect(10);
    const { controller, abortedAt, release, leadUntilHeld } = stubborn(clock);
    const stop = new AbortController();
    let ran = false;
    const run = (await leadUntilHeld(elector, stop.signal)).run.then(() => {
      ran = true;
    });
    stop.abort(new Error('received SIGTERM'));
    // The drain and the Controller's 3 s for aborted reconciles pass; the reconcile still runs,
    // and the elector waits up to its 10 s grace for it.
    await throughTheControllersShutdown(clock, abortedAt, logger);
    expect(controller.ready).toBe(false);
    // Stopped at 0, kept from 3050 on.
    expect(clock.now()).toBe(3_050);
    const renewals = api.renewals.length;
    await clock.advanceSettling(9_999);
    expect(controller.reconciling).toEqual(['ns/a']);
    expect(ran).toBe(false);
    // Renewed every retry period meanwhile: at 3100, 3200, ... 13000.
    expect(api.renewals.length - renewals).toBe(100);
    expect(api.renewals.at(-1)).toBe(13_000);
    expect(api.lease()?.spec).toMatchObject({ holderIdentity: 'a' });
    expect(elector.isLeader).toBe(true);
    release();
    await clock.advanceSettling(0);
    expect(ran).toBe(true);
    expect(controller.reconciling).toEqual([]);
    expect(api.lease()?.spec).toMatchObject({ holderIdentity: '' });
    await run;
  });

  it('leaves the lease unreleased past its grace, and the next term waits for the key', async () => {
    const { clock, api, elector, logger } = elect(0.2);
    const { controller, started, abortedAt, release, most, leadUntilHeld } = stubborn(clock);
    const first = new AbortController();
    let ran = false;
    const run = (await leadUntilHeld(elector, first.signal)).run.then(() => {
      ran = true;
    });
    first.abort(new Error('stop'));
    await throughTheControllersShutdown(clock, abortedAt, logger);
    await clock.advanceSettling(199);
    expect(ran).toBe(false);
    await clock.advanceSettling(1);
    expect(ran).toBe(true);
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

  /**
   * Leads until a reconcile holds on, then fails every Lease request until the term is lost,
   * which aborts the reconcile at once, and moves the clock on until `run` resolves: exactly
   * when the Controller's 3 s for aborted reconciles end.
   */
  async function loseLeaseWhileHeld(stragglerGraceSeconds: number) {
    const { clock, api, elector, logger } = elect(stragglerGraceSeconds);
    const stuck = stubborn(clock);
    const { run } = await stuck.leadUntilHeld(elector, new AbortController().signal);
    let ran = false;
    void run.then(() => {
      ran = true;
    });
    api.mode = 'fail';
    await clock.advanceSettling(2_000);
    expect(elector.isLeader).toBe(false);
    // The pauses halve as the renew deadline (1000, from the acquisition at 0) nears, down to a
    // tenth of the retry period: the try after the one at 997.5 finds it past, at 1007.5.
    expect(stuck.abortedAt).toEqual([1_007.5]);
    await clock.advanceSettling(1_007.5 + 2_999 - 2_000);
    expect(ran).toBe(false);
    await clock.advanceSettling(1);
    expect(ran).toBe(true);
    return { ...stuck, logger, clock };
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
    const { controller, release, logger, clock } = await loseLeaseWhileHeld(10);
    // The lease, unrenewed, expires 3 s after the last renewal, so the process must learn it is
    // to end now: `run` resolved as soon as the Controller's start did, 3 s after the loss, not
    // after the elector's 10 s grace.
    expect(clock.now()).toBe(1_007.5 + 3_000);
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
  // No jitter: a retry of the acquisition comes one retry period (100 ms) after the last try.
  beforeEach(() => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Resolves with when and why the leading signal aborted, on `clock`. */
  const leadUntilAborted = (clock: ManualClock, onStart?: () => void) => {
    const result = { startedAt: -1, abortedAt: -1, reason: undefined as unknown };
    const onStartedLeading = async (signal: AbortSignal) => {
      result.startedAt = clock.now();
      onStart?.();
      await aborted(signal);
      result.abortedAt = clock.now();
      result.reason = signal.reason;
    };
    return { result, onStartedLeading };
  };

  it('does not lead on a lease it took more slowly than the renew deadline, and leads on a quick renewal after', async () => {
    const logger = noisyLogger();
    const { clock, api, elector } = onManualClock({ logger });
    // The lease is read at once, but the create that takes it is answered after 1.1 s.
    api.delays.push(0, 1_100);
    let writesWhenStarted = 0;
    const { result, onStartedLeading } = leadUntilAborted(clock, () => {
      writesWhenStarted = api.renewals.length;
    });
    const stop = new AbortController();
    const run = elector.run(stop.signal, { onStartedLeading });
    await clock.advanceSettling(1_100);
    expect(api.renewals).toEqual([1_100]);
    expect(result.startedAt).toBe(-1);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ tookMs: 1_100, renewDeadlineMs: 1_000 }),
      expect.stringContaining('too slowly'),
    );
    // The next try, a retry period later, renews the lease now held, quickly, and leads on it.
    await clock.advanceSettling(100);
    expect(result.startedAt).toBe(1_200);
    expect(writesWhenStarted).toBe(2);
    stop.abort();
    await run;
  });

  it('bounds an acquisition attempt by the renew deadline', async () => {
    const { clock, api, elector } = onManualClock();
    api.mode = 'hang';
    const { result, onStartedLeading } = leadUntilAborted(clock);
    const stop = new AbortController();
    const run = elector.run(stop.signal, { onStartedLeading });
    await clock.advanceSettling(999);
    expect(api.aborted).toBe(0);
    await clock.advanceSettling(1);
    expect(api.aborted).toBe(1);
    // The next try, a retry period later, is answered and leads.
    api.mode = 'answer';
    await clock.advanceSettling(100);
    expect(result.startedAt).toBe(1_100);
    stop.abort();
    await run;
  });

  it('counts the renew deadline from when a renewal was sent, not from its answer', async () => {
    const { clock, api, elector } = onManualClock();
    const { result, onStartedLeading } = leadUntilAborted(clock);
    const run = elector.run(new AbortController().signal, { onStartedLeading });
    await renewOnce(clock, api);
    // The next renewal's read, sent at 200, is answered at 800 and its write at once; then every
    // request hangs. The lease counts from that read's sending, so leading ends at 1200.
    api.delays.push(600);
    api.onStore = () => {
      api.mode = 'hang';
      api.onStore = () => {};
    };
    await clock.advanceSettling(2_000);
    await run;
    expect(api.renewals).toEqual([0, 100, 800]);
    expect(api.sent.slice(-3)).toEqual([200, 800, 900]);
    expect(result.reason).toBeInstanceOf(LeadershipLostError);
    // Counted from the answer, it would have gone on until 1800.
    expect(result.abortedAt).toBe(200 + 1_000);
  });

  it('stops leading at the renew deadline when a renewal is answered only past it, and writes nothing after', async () => {
    const { clock, api, elector } = onManualClock();
    const { result, onStartedLeading } = leadUntilAborted(clock);
    const run = elector.run(new AbortController().signal, { onStartedLeading });
    await renewOnce(clock, api);
    // An answer already on its way, which the abort does not cut short, arrives 1.1 s after the
    // read was sent at 200: past the deadline of 1100 counted from the renewal at 100.
    api.delays.push(1_100);
    await clock.advanceSettling(999);
    expect(result.abortedAt).toBe(-1);
    expect(elector.isLeader).toBe(true);
    await clock.advanceSettling(1);
    // Leadership ends at the deadline, not when that answer comes, which with a slower one
    // could be after another candidate took the lease over.
    expect(result.reason).toBeInstanceOf(LeadershipLostError);
    expect(result.abortedAt).toBe(1_100);
    expect(elector.isLeader).toBe(false);
    await run;
    await clock.advanceSettling(1_000);
    // The late answer is not followed by a write: the lease is left to expire.
    expect(api.renewals).toEqual([0, 100]);
    expect(api.sent.at(-1)).toBe(200);
  });
});
