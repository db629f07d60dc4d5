import { type Clock, systemClock } from './clock.js';
import { delay } from './delay.js';

/**
 * Time as a LeaderElector sees it: its deadlines, its pauses and the timeouts of its requests
 * all come from here, so a test that gives it a `ManualClock` moves them exactly, and can stop
 * time from passing for the elector alone while the rest of the process runs (what a SIGSTOP
 * looks like to it on waking). A Controller times its shutdown (drain, grace) on it too.
 */
export interface ElectionClock {
  /** Milliseconds on a monotonic scale; only differences are meaningful. */
  now(): number;
  /** Waits `ms`, or less if `signal` aborts first; never rejects. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A signal that aborts after `ms` with a `TimeoutError`, as `AbortSignal.timeout`'s does. */
  timeout(ms: number): AbortSignal;
}

/** The process's own timers: what the elector and a Controller ran on before they took a clock. */
const processClock: ElectionClock = Object.freeze({
  now: () => performance.now(),
  sleep: delay,
  // Its timer, unlike one set with `systemClock.setTimer`, does not keep the process alive.
  timeout: (ms: number) => AbortSignal.timeout(ms),
});

/** The elector's time on `clock`; on the process's own timers for `systemClock`. */
export function electionClock(clock: Clock = systemClock): ElectionClock {
  if (clock === systemClock) return processClock;
  return {
    now: () => clock.now(),
    sleep: (ms, signal) => sleepOn(clock, ms, signal),
    timeout: (ms) => {
      const timeout = new AbortController();
      clock.setTimer(
        () =>
          timeout.abort(
            new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
          ),
        ms,
      );
      return timeout.signal;
    },
  };
}

function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    let cancel = () => {};
    const done = () => {
      cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    signal?.addEventListener('abort', done, { once: true });
    cancel = clock.setTimer(done, ms);
  });
}
