import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from './clock.js';
import { Controller, type ReconcileContext, type Reconciler } from './controller.js';
import { run } from './controller-run.test-support.js';
import { beginTerm, LeadershipLostError } from './leadership.js';
import { ControllerMetrics } from './metrics.js';
import { ExponentialBackoffRateLimiter } from './rate-limiters.js';
import { ReconcileTimeoutError } from './reconcile-timeout.js';

const patience = { timeout: 10_000, interval: 5 };

/** A promise the test settles when it chooses. */
function gate() {
  let open: () => void = () => {};
  let fail: (error: Error) => void = () => {};
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

/**
 * A reconciler that lets its worker go and then waits for the key's gate (a key without one
 * returns at once); `started` lists the keys in the order their reconciles began.
 */
function releasing(gates: Map<string, ReturnType<typeof gate>>) {
  const started: { key: string; attempt: number }[] = [];
  const reconciler: Reconciler = {
    async reconcile(key: string, ctx: ReconcileContext) {
      started.push({ key, attempt: ctx.attempt });
      ctx.releaseWorker?.();
      await gates.get(key)?.promise;
    },
  };
  return { reconciler, started };
}

describe('Controller: a reconcile that lets its worker go', { timeout: 20_000 }, () => {
  it('lets the worker reconcile the next key while it finishes, and never overlaps its own key', async () => {
    const a = gate();
    const { reconciler, started } = releasing(new Map([['ns/a', a]]));
    const controller = new Controller({ name: 'test', reconciler, workers: 1 });
    run(controller);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(started).toHaveLength(1), patience);
    controller.enqueue('ns/b');
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(started.map((s) => s.key)).toEqual(['ns/a', 'ns/b']), patience);
    expect(controller.reconciling).toEqual(['ns/a']);
    a.open();
    await vi.waitFor(
      () => expect(started.map((s) => s.key)).toEqual(['ns/a', 'ns/b', 'ns/a']),
      patience,
    );
  });

  it('lets at most `workers` reconciles go at once; the next one keeps its worker', async () => {
    const gates = new Map([
      ['ns/a', gate()],
      ['ns/b', gate()],
    ]);
    const { reconciler, started } = releasing(gates);
    const controller = new Controller({ name: 'test', reconciler, workers: 1 });
    run(controller);
    for (const key of ['ns/a', 'ns/b', 'ns/c']) controller.enqueue(key);
    await vi.waitFor(() => expect(started.map((s) => s.key)).toEqual(['ns/a', 'ns/b']), patience);
    // ns/b's release came with ns/a still let go: its worker waits on it, so ns/c waits too.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(started.map((s) => s.key)).toEqual(['ns/a', 'ns/b']);
    gates.get('ns/b')?.open();
    await vi.waitFor(
      () => expect(started.map((s) => s.key)).toEqual(['ns/a', 'ns/b', 'ns/c']),
      patience,
    );
    gates.get('ns/a')?.open();
  });

  it('retries a reconcile that failed after letting its worker go', async () => {
    const a = gate();
    const { reconciler, started } = releasing(new Map([['ns/a', a]]));
    const controller = new Controller({
      name: 'test',
      reconciler,
      workers: 1,
      rateLimiter: new ExponentialBackoffRateLimiter<string>(1, 8),
    });
    run(controller);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(started).toHaveLength(1), patience);
    a.fail(new Error('status write refused'));
    await vi.waitFor(
      () =>
        expect(started.slice(0, 2)).toEqual([
          { key: 'ns/a', attempt: 0 },
          { key: 'ns/a', attempt: 1 },
        ]),
      patience,
    );
  });

  it('waits on shutdown for a reconcile that let its worker go', async () => {
    const a = gate();
    const { reconciler, started } = releasing(new Map([['ns/a', a]]));
    const controller = new Controller({ name: 'test', reconciler, workers: 1 });
    const { stop, done } = run(controller);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(started).toHaveLength(1), patience);
    let stopped = false;
    void done.then(() => {
      stopped = true;
    });
    stop.abort();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    a.open();
    await done;
    expect(controller.reconciling).toEqual([]);
  });

  it('ignores a call that comes after its reconcile returned: it frees no place for good', async () => {
    let late: (() => void) | undefined;
    const a = gate();
    const started: string[] = [];
    const reconciler: Reconciler = {
      async reconcile(key: string, ctx: ReconcileContext) {
        started.push(key);
        // Kept past the reconcile, as a callback handed to work that outlives it would be.
        if (key === 'ns/late') {
          late = ctx.releaseWorker;
          return;
        }
        ctx.releaseWorker?.();
        if (key === 'ns/a') await a.promise;
      },
    };
    const controller = new Controller({ name: 'test', reconciler, workers: 1 });
    run(controller);
    try {
      controller.enqueue('ns/late');
      await vi.waitFor(() => {
        expect(started).toEqual(['ns/late']);
        expect(controller.reconciling).toEqual([]);
      }, patience);
      late?.();
      controller.enqueue('ns/a');
      await vi.waitFor(() => expect(started).toEqual(['ns/late', 'ns/a']), patience);
      // ns/a let its worker go, so ns/b runs while ns/a still waits.
      controller.enqueue('ns/b');
      await vi.waitFor(() => expect(started).toEqual(['ns/late', 'ns/a', 'ns/b']), patience);
      expect(controller.reconciling).toEqual(['ns/a']);
    } finally {
      a.open();
    }
  });

  it('aborts a reconcile that let its worker go when leadership is lost, and ends the run once it returned', async () => {
    const reasons: unknown[] = [];
    const reconciler: Reconciler = {
      async reconcile(_key: string, ctx: ReconcileContext) {
        ctx.releaseWorker?.();
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        reasons.push(ctx.signal.reason);
      },
    };
    // A drain would outlast the test: only an abort of the let-go reconcile ends the run in time.
    const controller = new Controller({ name: 'test', reconciler, drainTimeoutMs: 3_600_000 });
    const { stop, done } = run(controller);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(controller.reconciling).toEqual(['ns/a']), patience);
    stop.abort(new LeadershipLostError('ns/lease'));
    await done;
    expect(reasons).toEqual([expect.any(LeadershipLostError)]);
    expect(controller.reconciling).toEqual([]);
  });

  it('shows a key whose reconcile let its worker go as unfinished work until it returns', async () => {
    const a = gate();
    const { reconciler, started } = releasing(new Map([['ns/a', a]]));
    const metrics = new ControllerMetrics();
    const clock = new ManualClock();
    const controller = new Controller({ name: 'm', reconciler, metrics, clock, workers: 1 });
    run(controller);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(started).toHaveLength(1), patience);
    await clock.advanceSettling(5_000);
    const unfinished = 'workqueue_unfinished_work_seconds{name="m",controller="m"}';
    expect(await metrics.registry.metrics()).toContain(`${unfinished} 5`);
    a.open();
    await vi.waitFor(async () => {
      const text = await metrics.registry.metrics();
      expect(text).toContain(`${unfinished} 0`);
      expect(text).toContain(
        'controller_runtime_reconcile_total{controller="m",result="success"} 1',
      );
    }, patience);
  });
});

/**
 * A write after the release that never answers, as an API server that stalls: it ends only when
 * the reconcile's signal aborts, with that reason, as the client's aborted request does.
 */
function stalledWrite(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

describe('Controller: a reconcile whose write stalls after it let its worker go', {
  timeout: 20_000,
}, () => {
  it('is aborted by the reconcile timeout and run again; other keys are served meanwhile, and its place is given back', async () => {
    const clock = new ManualClock();
    const started: string[] = [];
    const reasons: unknown[] = [];
    const again = gate();
    const reconciler: Reconciler = {
      async reconcile(key: string, ctx: ReconcileContext) {
        started.push(`${key} ${ctx.attempt}`);
        if (key !== 'ns/a') return;
        ctx.releaseWorker?.();
        if (ctx.attempt > 0) return again.promise;
        await stalledWrite(ctx.signal).catch((error: unknown) => {
          reasons.push(error);
          throw error;
        });
      },
    };
    const controller = new Controller({
      name: 'test',
      reconciler,
      workers: 1,
      clock,
      reconcileTimeoutMs: 60_000,
      rateLimiter: new ExponentialBackoffRateLimiter<string>(1, 8),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    run(controller);
    try {
      controller.enqueue('ns/a');
      await vi.waitFor(() => expect(started).toEqual(['ns/a 0']), patience);
      // The one worker serves new keys while ns/a's write stalls.
      controller.enqueue('ns/b');
      controller.enqueue('ns/c');
      await vi.waitFor(() => expect(started).toEqual(['ns/a 0', 'ns/b 0', 'ns/c 0']), patience);
      expect(controller.reconciling).toEqual(['ns/a']);
      // The timeout aborts the stalled write; the key is retried after its backoff.
      await clock.advanceSettling(60_000);
      await vi.waitFor(async () => {
        await clock.advanceSettling(10);
        expect(started).toEqual(['ns/a 0', 'ns/b 0', 'ns/c 0', 'ns/a 1']);
      }, patience);
      expect(reasons).toEqual([expect.any(ReconcileTimeoutError)]);
      // The retry lets its worker go too: the stalled one gave its place back when it ended.
      controller.enqueue('ns/d');
      await vi.waitFor(() => expect(started.at(-1)).toBe('ns/d 0'), patience);
      expect(controller.reconciling).toEqual(['ns/a']);
    } finally {
      again.open();
    }
  });

  it('is waited for by shutdown, aborted at the drain timeout, and the run then ends', async () => {
    const clock = new ManualClock();
    const reasons: unknown[] = [];
    const reconciler: Reconciler = {
      async reconcile(_key: string, ctx: ReconcileContext) {
        ctx.releaseWorker?.();
        await stalledWrite(ctx.signal).catch((error: unknown) => {
          reasons.push(error);
          throw error;
        });
      },
    };
    const controller = new Controller({
      name: 'test',
      reconciler,
      workers: 1,
      clock,
      drainTimeoutMs: 20_000,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const { stop, done } = run(controller);
    let stopped = false;
    void done.then(() => {
      stopped = true;
    });
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(controller.reconciling).toEqual(['ns/a']), patience);
    stop.abort();
    await clock.advanceSettling(19_999);
    expect(stopped).toBe(false);
    expect(reasons).toEqual([]);
    await clock.advanceSettling(1);
    await done;
    expect(reasons).toEqual([expect.any(Error)]);
    expect(controller.reconciling).toEqual([]);
  });

  it('is aborted when the lease is lost while shutdown drains it, and the run ends', async () => {
    const reasons: unknown[] = [];
    const reconciler: Reconciler = {
      async reconcile(_key: string, ctx: ReconcileContext) {
        ctx.releaseWorker?.();
        await stalledWrite(ctx.signal).catch((error: unknown) => {
          reasons.push(error);
          throw error;
        });
      },
    };
    // A term as the elector opens it: stopped (SIGTERM) first, the lease lost during the drain.
    const leading = new AbortController();
    const lost = new AbortController();
    beginTerm(leading.signal, lost.signal, () => true);
    const controller = new Controller({
      name: 'test',
      reconciler,
      workers: 1,
      drainTimeoutMs: 3_600_000,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const done = controller.start(leading.signal);
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(controller.reconciling).toEqual(['ns/a']), patience);
    leading.abort();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(reasons).toEqual([]);
    lost.abort(new LeadershipLostError('ns/lease'));
    await done;
    expect(reasons).toEqual([expect.any(LeadershipLostError)]);
    expect(controller.reconciling).toEqual([]);
  });
});
