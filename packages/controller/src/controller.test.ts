/**
 * Just past 350 lines: the Controller's queueing, retries, priorities and shutdown each with a
 * scripted reconciler and the run helpers the cases share.
 */
import { noopLogger, ResourceLockedError } from '@roundhouse/core';
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from './clock.js';
import {
  Controller,
  ControllerRunningError,
  type ReconcileContext,
  type Reconciler,
} from './controller.js';
import { run } from './controller-run.test-support.js';
import { LeadershipLostError } from './leadership.js';
import { ControllerMetrics } from './metrics.js';
import { ExponentialBackoffRateLimiter } from './rate-limiters.js';
import { ReconcileTimeoutError } from './reconcile-timeout.js';
import { TerminalError, terminalError } from './terminal-error.js';

const patience = { timeout: 10_000, interval: 5 };

interface Call {
  readonly key: string;
  readonly attempt: number;
}

/** A reconciler whose behaviour per call the test decides. */
function scripted(behaviour: (call: Call, ctx: ReconcileContext) => Promise<unknown> | unknown) {
  const calls: Call[] = [];
  const reconciler: Reconciler = {
    async reconcile(key, ctx) {
      const call = { key, attempt: ctx.attempt };
      calls.push(call);
      return (await behaviour(call, ctx)) as undefined;
    },
  };
  return { reconciler, calls };
}

const fastBackoff = () => new ExponentialBackoffRateLimiter<string>(1, 8);

/** A reconcile that runs until its signal aborts, and then ends. */
const untilAborted = (_call: Call, ctx: ReconcileContext) =>
  new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));

/**
 * Reconciles ns/bad and then, with one worker, `next` once ns/bad's outcome was handled; `when`
 * records any retry the backoff was asked to time.
 */
async function reconcileBadThen(next: string, behaviour: Parameters<typeof scripted>[0]) {
  const { reconciler, calls } = scripted(behaviour);
  const backoff = fastBackoff();
  const when = vi.spyOn(backoff, 'when');
  const controller = new Controller({ name: 'test', reconciler, rateLimiter: backoff });
  run(controller);
  controller.enqueue('ns/bad');
  await vi.waitFor(() => expect(calls).toHaveLength(1), patience);
  controller.enqueue(next);
  await vi.waitFor(() => expect(calls).toHaveLength(2), patience);
  return { calls, when };
}

describe('Controller', { timeout: 20_000 }, () => {
  it('reconciles enqueued keys and is ready while running', async () => {
    const { reconciler, calls } = scripted(() => undefined);
    const controller = new Controller({ name: 'test', reconciler });
    expect(controller.ready).toBe(false);
    const { stop, done } = run(controller);
    await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
    controller.enqueue('ns/a');
    controller.enqueue('ns/b');
    await vi.waitFor(
      () => expect(calls.map((c) => c.key).sort()).toEqual(['ns/a', 'ns/b']),
      patience,
    );
    stop.abort();
    await done;
    expect(controller.ready).toBe(false);
  });

  it('reconciles keys enqueued with a higher priority before those already waiting', async () => {
    let release = () => {};
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { reconciler, calls } = scripted((call) =>
      call.key === 'ns/busy' ? blocked : undefined,
    );
    const controller = new Controller({ name: 'test', reconciler, workers: 1 });
    run(controller);
    await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
    controller.enqueue('ns/busy');
    await vi.waitFor(() => expect(calls).toHaveLength(1), patience);
    controller.enqueue('ns/new-1');
    controller.enqueue('ns/new-2');
    controller.enqueue('ns/finished', { priority: 1 });
    release();
    await vi.waitFor(() => expect(calls).toHaveLength(4), patience);
    expect(calls.map((c) => c.key)).toEqual(['ns/busy', 'ns/finished', 'ns/new-1', 'ns/new-2']);
  });

  it('retries a thrown error with backoff, counting attempts, and forgets them after a success', async () => {
    let failuresLeft = 3;
    const { reconciler, calls } = scripted(() => {
      if (failuresLeft-- > 0) throw new Error('boom');
    });
    const controller = new Controller({ name: 'test', reconciler, rateLimiter: fastBackoff() });
    run(controller);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(calls).toHaveLength(4), patience);
    expect(calls.map((c) => c.attempt)).toEqual([0, 1, 2, 3]);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(calls).toHaveLength(5), patience);
    expect(calls[4]?.attempt).toBe(0);
  });

  it('waits as long as the server asked (Retry-After) before retrying, however short the backoff', async () => {
    const clock = new ManualClock();
    const { reconciler, calls } = scripted(() => {
      if (calls.length === 1)
        throw new Error('start failed', { cause: { retryAfterSeconds: 0.3 } });
    });
    const controller = new Controller({
      name: 'test',
      reconciler,
      rateLimiter: fastBackoff(),
      clock,
      logger: noopLogger,
    });
    run(controller);
    await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(calls).toHaveLength(1), patience);
    // The backoff alone would retry after 1 ms.
    await clock.advanceSettling(299);
    expect(calls).toHaveLength(1);
    await clock.advanceSettling(1);
    await vi.waitFor(() => expect(calls).toHaveLength(2), patience);
  });

  it('does not retry a TerminalError', async () => {
    const { calls, when } = await reconcileBadThen('ns/good', ({ key }) => {
      if (key === 'ns/bad') throw terminalError(new ResourceLockedError('wfe-1', undefined));
    });
    expect(calls.map((c) => c.key)).toEqual(['ns/bad', 'ns/good']);
    expect(when).not.toHaveBeenCalled();
  });

  it('does not retry a TerminalError the reconciler wrapped in its own error', async () => {
    const { when } = await reconcileBadThen('ns/other', () => {
      throw new Error('reconciling ns/bad', { cause: new TerminalError('bad spec') });
    });
    expect(when).not.toHaveBeenCalled();
  });

  it('reconciles again after requeueAfter without any new event', async () => {
    const { reconciler, calls } = scripted(({ attempt }) =>
      calls.length < 3 ? { requeueAfter: 5 } : { attempt },
    );
    const controller = new Controller({ name: 'test', reconciler });
    run(controller);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(calls).toHaveLength(3), patience);
    expect(calls.map((c) => c.attempt)).toEqual([0, 0, 0]);
  });

  it('never reconciles one key on two workers; a change during a reconcile runs it once more', async () => {
    let active = 0;
    let maxActive = 0;
    const gates: (() => void)[] = [];
    const { reconciler, calls } = scripted(async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((resolve) => gates.push(resolve));
      active -= 1;
    });
    const controller = new Controller({ name: 'test', reconciler, workers: 4 });
    run(controller);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(calls).toHaveLength(1), patience);
    controller.enqueue('ns/a');
    controller.enqueue('ns/a');
    controller.enqueue('ns/b');
    await vi.waitFor(() => expect(calls).toHaveLength(2), patience);
    expect(calls[1]?.key).toBe('ns/b');
    for (const open of gates.splice(0)) open();
    await vi.waitFor(() => expect(calls).toHaveLength(3), patience);
    expect(calls[2]?.key).toBe('ns/a');
    for (const open of gates.splice(0)) open();
    await vi.waitFor(() => expect(active).toBe(0), patience);
    expect(calls).toHaveLength(3);
    expect(maxActive).toBe(2);
  });

  it('on shutdown, lets an in-flight reconcile finish before resolving and takes no new keys', async () => {
    let release!: () => void;
    let sawAbort: boolean | undefined;
    const { reconciler, calls } = scripted(async (_call, ctx) => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      sawAbort = ctx.signal.aborted;
    });
    const controller = new Controller({ name: 'test', reconciler });
    const { stop, done } = run(controller);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(calls).toHaveLength(1), patience);
    let finished = false;
    void done.then(() => {
      finished = true;
    });
    stop.abort();
    controller.enqueue('ns/b');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(finished).toBe(false);
    release();
    await done;
    expect(sawAbort).toBe(false);
    expect(calls.map((c) => c.key)).toEqual(['ns/a']);
  });

  it('aborts a reconcile that outlasts reconcileTimeoutMs and retries it, logged as an error', async () => {
    const reasons: unknown[] = [];
    const { reconciler, calls } = scripted(async (call, ctx) => {
      if (call.attempt > 0) return;
      // A call that never answers, and honours its signal.
      await untilAborted(call, ctx);
      reasons.push(ctx.signal.reason);
      throw new Error('aborted');
    });
    const errors: unknown[] = [];
    const logger = { ...noopLogger, error: (fields: unknown) => errors.push(fields) };
    const clock = new ManualClock();
    const controller = new Controller({
      name: 'test',
      reconciler,
      logger,
      clock,
      rateLimiter: fastBackoff(),
      reconcileTimeoutMs: 60_000,
    });
    run(controller);
    controller.enqueue('ns/slow');
    await vi.waitFor(() => expect(calls).toHaveLength(1), patience);
    await clock.advanceSettling(59_999);
    expect(reasons).toEqual([]);
    await clock.advanceSettling(1);
    // The retry's backoff runs on the controller's clock too.
    await vi.waitFor(async () => {
      await clock.advanceSettling(10);
      expect(calls).toEqual([
        { key: 'ns/slow', attempt: 0 },
        { key: 'ns/slow', attempt: 1 },
      ]);
    }, patience);
    expect(reasons[0]).toBeInstanceOf(ReconcileTimeoutError);
    expect(errors).toContainEqual(
      expect.objectContaining({ reason: 'ReconcileTimeout', cause: expect.anything() }),
    );
  });

  it('aborts in-flight reconciles that outlast the drain timeout', async () => {
    const { reconciler, calls } = scripted(untilAborted);
    const controller = new Controller({ name: 'test', reconciler, drainTimeoutMs: 50 });
    const { stop, done } = run(controller);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(calls).toHaveLength(1), patience);
    stop.abort();
    await done;
  });

  it('aborts in-flight reconciles at once when leadership is lost, without draining', async () => {
    const { reconciler, calls } = scripted(untilAborted);
    // A drain would outlast the test: only an abort of the reconcile ends the run in time.
    const controller = new Controller({ name: 'test', reconciler, drainTimeoutMs: 3_600_000 });
    const { stop, done } = run(controller);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(calls).toHaveLength(1), patience);
    stop.abort(new LeadershipLostError('ns/lease'));
    await done;
  });

  it('reconciles no key in a new start while a reconcile of it that a stopped start left behind still runs', async () => {
    const warn = vi.fn();
    const logger = { debug: vi.fn(), info: vi.fn(), warn, error: vi.fn() };
    let active = 0;
    let most = 0;
    let release = () => {};
    const { reconciler, calls } = scripted(async (call) => {
      active += call.key === 'ns/a' ? 1 : 0;
      most = Math.max(most, active);
      try {
        // The first reconcile of ns/a ignores its signal (a hook that takes none, CPU work).
        if (call.key === 'ns/a' && calls.filter((c) => c.key === 'ns/a').length === 1)
          await new Promise<void>((resolve) => {
            release = resolve;
          });
      } finally {
        active -= call.key === 'ns/a' ? 1 : 0;
      }
    });
    // Its clock only moves when told: the 3 s the stopped start gives ns/a pass at once.
    const clock = new ManualClock();
    const controller = new Controller({ name: 'test', reconciler, logger, workers: 1, clock });
    const first = run(controller);
    await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(calls).toHaveLength(1), patience);
    first.stop.abort(new LeadershipLostError('ns/lease'));
    await clock.advanceSettling(3_000);
    await first.done;
    expect(controller.reconciling).toEqual(['ns/a']);
    // Started again (the lease won back): the key waits, the only worker does not.
    run(controller);
    await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
    controller.enqueue('ns/a');
    controller.enqueue('ns/b');
    await vi.waitFor(() => expect(calls.map((c) => c.key)).toContain('ns/b'), patience);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls.filter((c) => c.key === 'ns/a')).toHaveLength(1);
    release();
    // Once it settled, the key is reconciled under the new start, once.
    await vi.waitFor(() => expect(calls.filter((c) => c.key === 'ns/a')).toHaveLength(2), patience);
    await vi.waitFor(() => expect(controller.reconciling).toEqual([]), patience);
    expect(most).toBe(1);
  });

  it('refuses to start twice at once, and can start again after stopping', async () => {
    const { reconciler, calls } = scripted(() => undefined);
    const controller = new Controller({ name: 'test', reconciler });
    const first = run(controller);
    await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
    await expect(controller.start(new AbortController().signal)).rejects.toBeInstanceOf(
      ControllerRunningError,
    );
    first.stop.abort();
    await first.done;
    run(controller);
    await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(calls).toHaveLength(1), patience);
  });

  it('counts reconciles by result and queue activity in its metrics', async () => {
    const metrics = new ControllerMetrics();
    const seen = new Map<string, number>();
    const { reconciler } = scripted(({ key }) => {
      const call = (seen.get(key) ?? 0) + 1;
      seen.set(key, call);
      if (key === 'ns/flaky' && call === 1) throw new Error('once');
      if (key === 'ns/bad') throw new TerminalError('never');
      if (key === 'ns/later' && call === 1) return { requeueAfter: 1 };
    });
    const controller = new Controller({
      name: 'm',
      reconciler,
      metrics,
      rateLimiter: fastBackoff(),
    });
    run(controller);
    for (const key of ['ns/ok', 'ns/flaky', 'ns/bad', 'ns/later']) controller.enqueue(key);
    await vi.waitFor(async () => {
      const text = await metrics.registry.metrics();
      expect(text).toContain('controller_runtime_reconcile_time_seconds_count{controller="m"} 6');
      // The queue hears of a finished key just after the reconcile is counted.
      expect(text).toContain('workqueue_work_duration_seconds_count{name="m",controller="m"} 6');
    }, patience);
    const text = await metrics.registry.metrics();
    const m = 'controller="m"';
    expect(text).toContain(`controller_runtime_reconcile_total{${m},result="success"} 3`);
    // A terminal error is an error result too, as controller-runtime counts it.
    expect(text).toContain(`controller_runtime_reconcile_total{${m},result="error"} 2`);
    expect(text).toContain(`controller_runtime_reconcile_total{${m},result="requeue_after"} 1`);
    expect(text).toContain(`controller_runtime_reconcile_errors_total{${m}} 2`);
    expect(text).toContain(`controller_runtime_terminal_reconcile_errors_total{${m}} 1`);
    // ns/flaky's retry and ns/later's requeueAfter, as controller-runtime counts them.
    expect(text).toContain(`workqueue_retries_total{name="m",${m}} 2`);
    expect(text).toContain(`workqueue_adds_total{name="m",${m}} 6`);
    expect(text).toContain(`workqueue_depth{name="m",${m}} 0`);
    expect(text).toContain(`workqueue_unfinished_work_seconds{name="m",${m}} 0`);
  });
});
