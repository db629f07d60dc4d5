import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock.js';

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
