/**
 * A key's priority survives its requeue, as in controller-runtime's priority queue: a key a
 * higher-priority watch queued that fails, or asks for `requeueAfter`, comes back ahead of the
 * lower-priority keys that arrived while it waited.
 */
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from './clock.js';
import { Controller, type ReconcileResult } from './controller.js';

const patience = { timeout: 10_000, interval: 5 };

const quietLogger = () => ({ debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() });

describe('Controller priorities', () => {
  /** How ns/child's first reconcile ends, and how long the default queue then holds it. */
  const endings: [string, number, () => Promise<ReconcileResult>][] = [
    // The default rate limiter's first backoff.
    [
      'fails',
      5,
      async () => {
        throw new Error('boom');
      },
    ],
    ['asks for requeueAfter', 1_000, async () => ({ requeueAfter: 1_000 })],
  ];

  it.each(endings)(
    'requeues a key that %s at the priority it was queued with',
    async (_what, waitMs, first) => {
      const clock = new ManualClock();
      let release = () => {};
      const busy = new Promise<void>((resolve) => {
        release = resolve;
      });
      const order: string[] = [];
      const controller = new Controller({
        name: 'test',
        clock,
        logger: quietLogger(),
        workers: 1,
        reconciler: {
          reconcile: async (key) => {
            order.push(key);
            if (key === 'ns/busy') await busy;
            if (key === 'ns/child' && order.length === 1) return first();
            return undefined;
          },
        },
      });
      const stop = new AbortController();
      const done = controller.start(stop.signal);
      await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
      controller.enqueue('ns/child', { priority: 1 });
      await vi.waitFor(() => expect(order).toEqual(['ns/child']), patience);
      // While ns/child waits to come back, the one worker is busy and two new keys queue up.
      controller.enqueue('ns/busy');
      await vi.waitFor(() => expect(order).toEqual(['ns/child', 'ns/busy']), patience);
      controller.enqueue('ns/new-1');
      controller.enqueue('ns/new-2');
      await clock.advanceSettling(waitMs);
      release();
      await vi.waitFor(() => expect(order).toHaveLength(5), patience);
      expect(order).toEqual(['ns/child', 'ns/busy', 'ns/child', 'ns/new-1', 'ns/new-2']);
      stop.abort();
      await done;
    },
  );
});
