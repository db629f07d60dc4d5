import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { boundedSignal, ReconcileTimeoutError } from './reconcile-timeout.js';

/** A ManualClock that says how many of its timers are still set. */
class CountingClock extends ManualClock {
  pending = 0;

  override setTimer(callback: () => void, ms: number): () => void {
    this.pending += 1;
    const cancel = super.setTimer(() => {
      this.pending -= 1;
      callback();
    }, ms);
    return () => {
      this.pending -= 1;
      cancel();
    };
  }
}

const timedOut = () => new ReconcileTimeoutError('test', 'ns/a', 1_000);

describe('boundedSignal', () => {
  it('is the signal itself without a timeout', () => {
    const outer = new AbortController();
    expect(boundedSignal(outer.signal, undefined, new ManualClock(), timedOut).signal).toBe(
      outer.signal,
    );
  });

  it('aborts with the timeout reason once the time is up, or with the outer reason before', () => {
    const clock = new ManualClock();
    const late = boundedSignal(new AbortController().signal, 1_000, clock, timedOut);
    clock.advance(999);
    expect(late.signal.aborted).toBe(false);
    clock.advance(1);
    expect(late.signal.reason).toBeInstanceOf(ReconcileTimeoutError);

    const outer = new AbortController();
    const early = boundedSignal(outer.signal, 1_000, clock, timedOut);
    const stopping = new Error('shutdown');
    outer.abort(stopping);
    expect(early.signal.reason).toBe(stopping);
    const already = boundedSignal(outer.signal, 1_000, clock, timedOut);
    expect(already.signal.reason).toBe(stopping);
  });

  it('leaves no timer or listener behind once released, however many reconciles ran', () => {
    const clock = new CountingClock();
    const outer = new AbortController();
    for (let i = 0; i < 1_000; i++) boundedSignal(outer.signal, 60_000, clock, timedOut).release();
    expect(clock.pending).toBe(0);
    // The released signals no longer follow the outer one.
    const released = boundedSignal(outer.signal, 60_000, clock, timedOut);
    released.release();
    outer.abort();
    expect(released.signal.aborted).toBe(false);
  });
});
