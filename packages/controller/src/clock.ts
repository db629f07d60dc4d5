import { type FieldIssue, maxTimerMs } from '@roundhouse/core';

/**
 * Time as the workqueue, rate limiters, a Controller and a LeaderElector see it. Injected so
 * tests can move time forward instead of sleeping, which keeps them exact on a loaded machine.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale; only differences are meaningful. */
  now(): number;
  /** Calls `callback` after `ms`; the returned function cancels it. */
  setTimer(callback: () => void, ms: number): () => void;
}

/**
 * What is wrong with `clock` as a `clock` option, if anything: left out, it is the default;
 * given, it must have both methods, or the first timer set would throw far from the mistake.
 */
export function clockOptionIssue(clock: unknown): FieldIssue | undefined {
  if (clock === undefined) return undefined;
  const candidate = clock as Partial<Clock> | null;
  if (typeof candidate?.now === 'function' && typeof candidate.setTimer === 'function')
    return undefined;
  return { path: 'clock', message: 'must be a Clock, with now() and setTimer()' };
}

export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  setTimer: (callback: () => void, ms: number) => {
    let timer: NodeJS.Timeout;
    const arm = (remaining: number) => {
      timer =
        remaining > maxTimerMs
          ? setTimeout(() => arm(remaining - maxTimerMs), maxTimerMs)
          : setTimeout(callback, remaining);
    };
    arm(ms);
    return () => clearTimeout(timer);
  },
});

interface PendingTimer {
  readonly at: number;
  readonly sequence: number;
  readonly callback: () => void;
}

/** A clock that moves only when told to, firing due timers in order. For tests. */
export class ManualClock implements Clock {
  #now: number;
  #sequence = 0;
  readonly #timers = new Set<PendingTimer>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(callback: () => void, ms: number): () => void {
    this.#sequence += 1;
    const timer = { at: this.#now + Math.max(0, ms), sequence: this.#sequence, callback };
    this.#timers.add(timer);
    return () => this.#timers.delete(timer);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const next = this.#nextDue(target);
      if (!next) break;
      this.#fire(next);
    }
    this.#now = target;
  }

  /**
   * `advance` for code that reacts through promises (an answer, the next timer set in a
   * `then`): before each timer fires, and once more at the end, `settle` lets what the last one
   * set off run; by default one turn of the event loop.
   */
  async advanceSettling(ms: number, settle: () => Promise<void> = nextTurn): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await settle();
      const next = this.#nextDue(target);
      if (!next) break;
      this.#fire(next);
    }
    this.#now = target;
  }

  /**
   * Moves time forward by `ms` and fires nothing, as a stopped process (SIGSTOP, a frozen VM)
   * sees it: the timers that fell due meanwhile fire, in order, at the next advance, after
   * whatever the test has the code handle first on waking.
   */
  pause(ms: number): void {
    this.#now += ms;
  }

  /** How many timers are waiting. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** An overdue timer (after a pause) fires at the time it is, not back at its due time. */
  #fire(timer: PendingTimer): void {
    this.#timers.delete(timer);
    this.#now = Math.max(this.#now, timer.at);
    timer.callback();
  }

  #nextDue(limit: number): PendingTimer | undefined {
    let next: PendingTimer | undefined;
    for (const timer of this.#timers) {
      if (timer.at > limit) continue;
      if (!next || timer.at < next.at || (timer.at === next.at && timer.sequence < next.sequence))
        next = timer;
    }
    return next;
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
