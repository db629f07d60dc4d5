/**
 * Namespaces take turns in a controller's queue: one tenant's backlog of queued objects does
 * not hold back another tenant's object behind it (red team h342: 60 large TaskActions in one
 * namespace kept another namespace's action waiting 115 s for its first status).
 */
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from './clock.js';
import { Controller } from './controller.js';

const patience = { timeout: 10_000, interval: 5 };

const quietLogger = () => ({ debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() });

describe('Controller fairness', () => {
  it("reconciles namespace b's object next, not behind the 100 namespace a queued first", async () => {
    let release = () => {};
    const busy = new Promise<void>((resolve) => {
      release = resolve;
    });
    const order: string[] = [];
    const controller = new Controller({
      name: 'test',
      clock: new ManualClock(),
      logger: quietLogger(),
      workers: 1,
      reconciler: {
        reconcile: async (key) => {
          order.push(key);
          if (key === 'a/busy') await busy;
          return undefined;
        },
      },
    });
    const stop = new AbortController();
    const done = controller.start(stop.signal);
    await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
    controller.enqueue('a/busy');
    await vi.waitFor(() => expect(order).toEqual(['a/busy']), patience);
    for (let i = 0; i < 100; i += 1) controller.enqueue(`a/${i}`);
    controller.enqueue('b/0');
    controller.enqueue('cluster-scoped');
    release();
    await vi.waitFor(() => expect(order).toHaveLength(103), patience);
    expect(order.slice(0, 5)).toEqual(['a/busy', 'a/0', 'b/0', 'cluster-scoped', 'a/1']);
    expect(order.slice(5)).toEqual(Array.from({ length: 98 }, (_, i) => `a/${i + 2}`));
    stop.abort();
    await done;
  });
});
