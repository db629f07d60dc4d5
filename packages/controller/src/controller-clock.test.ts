/**
 * The Controller's `clock` option: its shutdown (drain, the grace of aborted reconciles) and
 * its queue's delays run on the clock it is given, here a ManualClock the test moves.
 */
import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it, vi } from 'vitest';
import { type Clock, ManualClock } from './clock.js';
import { Controller, type Reconciler } from './controller.js';
import { LeadershipLostError } from './leadership.js';

const patience = { timeout: 10_000, interval: 5 };

const quietLogger = () => ({ debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() });

/**
 * Starts a Controller on `clock` with `reconciler` and reconciles ns/a until it has been
 * called once; `finished` says whether `start` has resolved.
 */
async function startedOn(
  clock: ManualClock,
  reconciler: Reconciler,
  options: { drainTimeoutMs?: number } = {},
) {
  const logger = quietLogger();
  let calls = 0;
  const controller = new Controller({
    name: 'test',
    clock,
    logger,
    ...options,
    reconciler: {
      reconcile: (key, ctx) => {
        calls += 1;
        return reconciler.reconcile(key, ctx);
      },
    },
  });
  const stop = new AbortController();
  let finished = false;
  const done = controller.start(stop.signal).then(() => {
    finished = true;
  });
  await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
  controller.enqueue('ns/a');
  await vi.waitFor(() => expect(calls).toBe(1), patience);
  return { logger, controller, stop, done, finished: () => finished, calls: () => calls };
}

describe('Controller on a clock of its own', () => {
  it('aborts in-flight reconciles exactly drainTimeoutMs after the stop, on its clock', async () => {
    const clock = new ManualClock();
    const abortedAt: number[] = [];
    const started = await startedOn(
      clock,
      {
        reconcile: (_key, { signal }) =>
          new Promise<void>((resolve) =>
            signal.addEventListener('abort', () => {
              abortedAt.push(clock.now());
              resolve();
            }),
          ),
      },
      { drainTimeoutMs: 20_000 },
    );
    started.stop.abort();
    await clock.advanceSettling(19_999);
    expect(abortedAt).toEqual([]);
    expect(started.finished()).toBe(false);
    await clock.advanceSettling(1);
    expect(abortedAt).toEqual([20_000]);
    await started.done;
    expect(started.logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ drainTimeoutMs: 20_000 }),
      expect.stringContaining('did not finish in time'),
    );
  });

  it('gives a reconcile that ignores its aborted signal exactly 3 s, then stops naming its key', async () => {
    const clock = new ManualClock();
    const { logger, controller, stop, done, finished } = await startedOn(
      clock,
      { reconcile: () => new Promise<void>(() => {}) },
      { drainTimeoutMs: 50 },
    );
    stop.abort();
    await clock.advanceSettling(50);
    await clock.advanceSettling(2_999);
    expect(finished()).toBe(false);
    await clock.advanceSettling(1);
    expect(finished()).toBe(true);
    await done;
    expect(controller.reconciling).toEqual(['ns/a']);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ keys: ['ns/a'], graceMs: 3_000 }),
      expect.stringContaining('still running'),
    );
  });

  it('gives the same 3 s when a lost lease aborted the reconcile at once', async () => {
    const clock = new ManualClock();
    const { done, stop, finished } = await startedOn(clock, {
      reconcile: () => new Promise<void>(() => {}),
    });
    stop.abort(new LeadershipLostError('ns/lease'));
    await clock.advanceSettling(2_999);
    expect(finished()).toBe(false);
    await clock.advanceSettling(1);
    expect(finished()).toBe(true);
    await done;
  });

  it('requeues after requeueAfter on its clock', async () => {
    const clock = new ManualClock();
    const { stop, done, calls } = await startedOn(clock, {
      reconcile: async () => ({ requeueAfter: 60_000 }),
    });
    await clock.advanceSettling(59_999);
    expect(calls()).toBe(1);
    await clock.advanceSettling(1);
    await vi.waitFor(() => expect(calls()).toBe(2), patience);
    stop.abort();
    await done;
  });

  it.each([
    ['an object without its methods', {}],
    ['one without setTimer', { now: () => 0 }],
    ['null', null],
  ])('refuses %s as its clock, naming clock', (_what, clock) => {
    const error = (() => {
      try {
        new Controller({
          name: 'test',
          reconciler: { reconcile: async () => {} },
          clock: clock as unknown as Clock,
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues.map((i) => i.path)).toEqual(['clock']);
  });
});
