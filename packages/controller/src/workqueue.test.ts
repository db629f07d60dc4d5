import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { ExponentialBackoffRateLimiter } from './rate-limiters.js';
import { type QueueMetrics, WorkQueue } from './workqueue.js';

/** Lets pending promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function queue(
  options: { clock?: ManualClock; metrics?: QueueMetrics; groupOf?: (key: string) => string } = {},
) {
  const clock = options.clock ?? new ManualClock();
  return new WorkQueue<string>({
    clock,
    rateLimiter: new ExponentialBackoffRateLimiter(5, 1_000),
    name: 'test',
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.groupOf ? { groupOf: options.groupOf } : {}),
  });
}

/** The namespace of a `namespace/name` key. */
const namespaceOf = (key: string) => key.slice(0, key.indexOf('/'));

describe('WorkQueue', () => {
  it('queues a key at most once, in first-added order', async () => {
    const q = queue();
    for (const key of ['a', 'b', 'a', 'c', 'b', 'a']) q.add(key);
    expect(q.len()).toBe(3);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(['a', 'b', 'c']);
    expect(q.len()).toBe(0);
  });

  it('does not hand out a key being processed; re-added meanwhile, it comes back once after done', async () => {
    const q = queue();
    q.add('a');
    expect(await q.get()).toBe('a');
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(0);
    let next: string | undefined;
    void q.get().then((key) => {
      next = key;
    });
    await settle();
    expect(next).toBeUndefined();
    q.done('a');
    await settle();
    expect(next).toBe('a');
    q.done('a');
    expect(q.len()).toBe(0);
  });

  it('lets a key processed without re-adds go', async () => {
    const q = queue();
    q.add('a');
    q.done((await q.get()) as string);
    expect(q.len()).toBe(0);
  });

  it('with many workers, never processes one key concurrently and misses no add', async () => {
    const q = queue();
    const active = new Set<string>();
    const lastAdd = new Map<string, number>();
    const lastStart = new Map<string, number>();
    let overlap = false;
    let tick = 0;
    const worker = async () => {
      for (;;) {
        const key = await q.get();
        if (key === undefined) return;
        if (active.has(key)) overlap = true;
        active.add(key);
        lastStart.set(key, ++tick);
        await settle();
        active.delete(key);
        q.done(key);
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    for (let i = 0; i < 300; i += 1) {
      const key = `k${i % 5}`;
      lastAdd.set(key, ++tick);
      q.add(key);
      if (i % 7 === 0) await settle();
    }
    while (q.len() > 0 || active.size > 0) await settle();
    q.shutDown();
    await Promise.all(workers);
    expect(overlap).toBe(false);
    for (const [key, added] of lastAdd) expect(lastStart.get(key)).toBeGreaterThan(added);
  });

  it('addAfter queues the key when its time comes; the earliest pending time wins', () => {
    const clock = new ManualClock();
    const q = queue({ clock });
    q.addAfter('a', 100);
    q.addAfter('b', 100);
    q.addAfter('b', 10);
    q.addAfter('c', 10);
    q.addAfter('c', 100);
    clock.advance(9);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(2);
    clock.advance(89);
    expect(q.len()).toBe(2);
    clock.advance(1);
    expect(q.len()).toBe(3);
    expect(clock.pendingTimers).toBe(0);
  });

  it('adds a rate-limited key no sooner than a longer wait it is given', () => {
    const clock = new ManualClock();
    const q = queue({ clock });
    q.addRateLimited('a', 500);
    clock.advance(499);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
  });

  it('addAfter with no delay adds at once', () => {
    const q = queue();
    q.addAfter('a', 0);
    expect(q.len()).toBe(1);
  });

  it('backs a failing key off exponentially until forgotten', async () => {
    const clock = new ManualClock();
    const q = queue({ clock });
    const readyAfter = async (): Promise<number> => {
      q.addRateLimited('a');
      let waited = 0;
      while (q.len() === 0) {
        clock.advance(1);
        waited += 1;
      }
      q.done((await q.get()) as string);
      return waited;
    };
    expect(q.numRequeues('a')).toBe(0);
    expect([
      await readyAfter(),
      await readyAfter(),
      await readyAfter(),
      await readyAfter(),
    ]).toEqual([5, 10, 20, 40]);
    expect(q.numRequeues('a')).toBe(4);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
    expect(await readyAfter()).toBe(5);
  });

  it('after shutDown, get returns undefined, waiting gets wake up and adds are ignored', async () => {
    const clock = new ManualClock();
    const q = queue({ clock });
    const waiting = q.get();
    q.addAfter('later', 50);
    q.shutDown();
    expect(await waiting).toBeUndefined();
    expect(q.shuttingDown).toBe(true);
    q.add('a');
    q.addRateLimited('b');
    clock.advance(1_000);
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
  });

  it('shutDownWithDrain resolves only when in-flight keys are done, and does not requeue them', async () => {
    const q = queue();
    q.add('a');
    q.add('b');
    const a = (await q.get()) as string;
    q.add('a');
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => {
      drained = true;
    });
    await settle();
    expect(drained).toBe(false);
    q.done(a);
    await drain;
    expect(drained).toBe(true);
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
  });

  it('reports adds, depth, time in queue, time processing and retries', async () => {
    const clock = new ManualClock();
    const calls: string[] = [];
    let running: () => number[] = () => [];
    const metrics: QueueMetrics = {
      added: (name) => calls.push(`added ${name}`),
      depth: (name, depth) => calls.push(`depth ${name} ${depth}`),
      waited: (name, seconds) => calls.push(`waited ${name} ${seconds}`),
      worked: (name, seconds) => calls.push(`worked ${name} ${seconds}`),
      retried: (name) => calls.push(`retried ${name}`),
      processing: (_name, probe) => {
        running = probe;
      },
    };
    const q = queue({ clock, metrics });
    q.add('a');
    q.add('a');
    clock.advance(1_500);
    const key = (await q.get()) as string;
    clock.advance(2_000);
    expect(running()).toEqual([2]);
    q.addRateLimited(key);
    q.done(key);
    expect(running()).toEqual([]);
    // A delayed add counts as a retry whatever asked for it; an add with no delay does not.
    q.addAfter('b', 60_000);
    q.addAfter('c', 0);
    expect(calls).toEqual([
      'added test',
      'depth test 1',
      'waited test 1.5',
      'depth test 0',
      'retried test',
      'worked test 2',
      'retried test',
      'added test',
      'depth test 1',
    ]);
  });

  it('reports every key still processing, however long it has run', async () => {
    const clock = new ManualClock();
    let running: () => number[] = () => [];
    const q = queue({
      clock,
      metrics: {
        added: () => {},
        depth: () => {},
        waited: () => {},
        worked: () => {},
        retried: () => {},
        processing: (_name, probe) => {
          running = probe;
        },
      },
    });
    q.add('stuck');
    await q.get();
    clock.advance(60_000);
    q.add('quick');
    const quick = (await q.get()) as string;
    clock.advance(1_000);
    expect(running().sort((a, b) => a - b)).toEqual([1, 61]);
    q.done(quick);
    expect(running()).toEqual([61]);
  });

  it('hands out higher priorities first, each in first-added order', async () => {
    const q = queue();
    q.add('start-1');
    q.add('start-2');
    q.add('finished-1', { priority: 10 });
    q.add('start-3');
    q.add('finished-2', { priority: 10 });
    const order = [];
    while (q.len() > 0) order.push(await q.get());
    expect(order).toEqual(['finished-1', 'finished-2', 'start-1', 'start-2', 'start-3']);
  });

  it('moves a queued key up when it is added again with a higher priority, and hands it out once', async () => {
    const q = queue();
    for (const key of ['a', 'b', 'c']) q.add(key);
    q.add('c', { priority: 1 });
    q.add('c');
    expect(q.len()).toBe(3);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(['c', 'a', 'b']);
    expect(q.len()).toBe(0);
  });

  it('requeues a key added with a priority while processing at that priority', async () => {
    const q = queue();
    q.add('a');
    q.add('b');
    expect(await q.get()).toBe('a');
    q.add('a', { priority: 5 });
    q.done('a');
    expect(await q.get()).toBe('a');
  });

  it('adds a delayed key at the highest priority its pending adds gave, at the earliest time', async () => {
    const clock = new ManualClock();
    const q = queue({ clock });
    q.addAfter('retried', 10, { priority: 1 });
    q.addAfter('retried', 50);
    q.addRateLimited('backed-off', 0, { priority: 2 });
    q.addAfter('later', 30, { priority: 3 });
    q.addAfter('later', 10);
    q.add('new');
    clock.advance(10);
    expect(q.len()).toBe(4);
    expect(await q.getWithPriority()).toEqual({ key: 'later', priority: 3 });
    expect(await q.get()).toBe('backed-off');
    expect(await q.getWithPriority()).toEqual({ key: 'retried', priority: 1 });
    expect(await q.get()).toBe('new');
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps first-added order for a key moved up once and added again later', async () => {
    const q = queue();
    q.add('a');
    q.add('b');
    q.add('b', { priority: 1 });
    expect(await q.get()).toBe('b');
    q.done('b');
    // b's old place, ahead of c, is no longer b's.
    q.add('c');
    q.add('b');
    expect([await q.get(), await q.get(), await q.get()]).toEqual(['a', 'c', 'b']);
  });

  describe('with groupOf, within a priority, groups take turns', () => {
    it("hands out namespace b's key within the first two gets, behind a's 1,000 queued first", async () => {
      const q = queue({ groupOf: namespaceOf });
      for (let i = 0; i < 1_000; i += 1) q.add(`a/${i}`);
      q.add('b/0');
      expect([await q.get(), await q.get(), await q.get()]).toEqual(['a/0', 'b/0', 'a/1']);
      const rest: (string | undefined)[] = [];
      while (q.len() > 0) rest.push(await q.get());
      expect(rest).toEqual(Array.from({ length: 998 }, (_, i) => `a/${i + 2}`));
    });

    it('still hands out higher priorities first, whatever the group', async () => {
      const q = queue({ groupOf: namespaceOf });
      for (let i = 0; i < 3; i += 1) q.add(`a/${i}`);
      q.add('b/0');
      q.add('a/3', { priority: 10 });
      q.add('a/4', { priority: 10 });
      q.add('b/1', { priority: 10 });
      const order = [];
      while (q.len() > 0) order.push(await q.get());
      expect(order).toEqual(['a/3', 'b/1', 'a/4', 'a/0', 'b/0', 'a/1', 'a/2']);
    });

    it('requeues a key added while processing last in its group; the group keeps its turn', async () => {
      const q = queue({ groupOf: namespaceOf });
      for (const key of ['a/0', 'a/1', 'a/2', 'b/0', 'b/1']) q.add(key);
      expect(await q.get()).toBe('a/0');
      q.add('a/0');
      q.done('a/0');
      const order = [];
      while (q.len() > 0) order.push(await q.get());
      expect(order).toEqual(['b/0', 'a/1', 'b/1', 'a/2', 'a/0']);
    });

    it('moves a queued key up a priority out of its group, and hands it out once', async () => {
      const q = queue({ groupOf: namespaceOf });
      for (const key of ['a/0', 'a/1', 'b/0']) q.add(key);
      q.add('a/1', { priority: 1 });
      const order = [];
      while (q.len() > 0) order.push(await q.get());
      expect(order).toEqual(['a/1', 'a/0', 'b/0']);
    });

    it('shutDownWithDrain waits for keys in flight from every group and requeues none', async () => {
      const q = queue({ groupOf: namespaceOf });
      for (const key of ['a/0', 'a/1', 'b/0', 'b/1']) q.add(key);
      const first = (await q.get()) as string;
      const second = (await q.get()) as string;
      expect([first, second]).toEqual(['a/0', 'b/0']);
      q.add(first);
      let drained = false;
      const drain = q.shutDownWithDrain().then(() => {
        drained = true;
      });
      expect(await q.get()).toBeUndefined();
      q.add('c/0');
      expect(q.len()).toBe(0);
      q.done(first);
      await settle();
      expect(drained).toBe(false);
      q.done(second);
      await drain;
      expect(q.len()).toBe(0);
      expect(await q.get()).toBeUndefined();
    });
  });
});
