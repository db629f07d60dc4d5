import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, systemClock } from './clock.js';

const maxTimerMs = 2 ** 31 - 1;

describe('systemClock.setTimer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('does not fire a delay longer than setTimeout allows right away', async () => {
    const callback = vi.fn();
    const cancel = systemClock.setTimer(callback, 25 * 24 * 3_600_000);
    await sleep(50);
    cancel();
    expect(callback).not.toHaveBeenCalled();
  });

  it('fires such a delay when it has passed, not before', () => {
    vi.useFakeTimers();
    const callback = vi.fn();
    systemClock.setTimer(callback, maxTimerMs + 10_000);
    vi.advanceTimersByTime(maxTimerMs + 9_999);
    expect(callback).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(callback).toHaveBeenCalledOnce();
  });

  it('cancels a long delay after its first stretch', () => {
    vi.useFakeTimers();
    const callback = vi.fn();
    const cancel = systemClock.setTimer(callback, maxTimerMs + 10_000);
    vi.advanceTimersByTime(maxTimerMs + 1);
    cancel();
    vi.advanceTimersByTime(20_000);
    expect(callback).not.toHaveBeenCalled();
  });
});

describe('ManualClock', () => {
  it('fires nothing over a pause, then the overdue timers in order at the time it is', () => {
    const clock = new ManualClock();
    const fired: [string, number][] = [];
    clock.setTimer(() => fired.push(['late', clock.now()]), 200);
    clock.setTimer(() => fired.push(['early', clock.now()]), 100);
    clock.pause(1_000);
    expect(fired).toEqual([]);
    expect(clock.now()).toBe(1_000);
    clock.advance(0);
    expect(fired).toEqual([
      ['early', 1_000],
      ['late', 1_000],
    ]);
  });

  it('lets what a timer sets off through promises run before the next timer fires', async () => {
    const clock = new ManualClock();
    const fired: [string, number][] = [];
    clock.setTimer(() => {
      fired.push(['first', clock.now()]);
      // A timer armed once an answer came, as code awaiting a request arms its next one.
      void Promise.resolve().then(() =>
        clock.setTimer(() => fired.push(['armed after', clock.now()]), 10),
      );
    }, 100);
    clock.setTimer(() => fired.push(['second', clock.now()]), 105);
    await clock.advanceSettling(200);
    expect(fired).toEqual([
      ['first', 100],
      ['second', 105],
      ['armed after', 110],
    ]);
    expect(clock.now()).toBe(200);
  });

  it('fires a timer armed by a promise only with advanceSettling, not with advance', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    clock.setTimer(() => {
      void Promise.resolve().then(() => clock.setTimer(() => fired.push('armed after'), 10));
    }, 100);
    clock.advance(200);
    expect(fired).toEqual([]);
  });
});
