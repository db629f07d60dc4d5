import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { maxTimeoutSeconds } from './process-spec.js';
import { TaskDeadlines } from './task-deadlines.js';
import { newRecord, started } from './task-lifecycle.js';

const shim = { pid: 4242, startTicks: '1', bootId: 'boot' };
const day = 24 * 60 * 60 * 1000;

function runningFor(timeoutSeconds: number) {
  const request = { name: 't', process: { command: ['sleep', 'infinity'], timeoutSeconds } };
  return started(newRecord(request, 'uid', new Date()), shim, new Date());
}

describe('task deadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('look at a task once, at its timeout', async () => {
    const due: string[] = [];
    const deadlines = new TaskDeadlines((name) => void due.push(name));
    deadlines.arm(runningFor(2));
    await vi.advanceTimersByTimeAsync(1990);
    expect(due).toEqual([]);
    await vi.advanceTimersByTimeAsync(20);
    expect(due).toEqual(['t']);
    deadlines.close();
  });

  it('wait for a timeout past the longest timer Node takes (30 days, and the largest allowed)', async () => {
    for (const seconds of [30 * 24 * 60 * 60, maxTimeoutSeconds]) {
      const due: string[] = [];
      const deadlines = new TaskDeadlines((name) => void due.push(name));
      deadlines.arm(runningFor(seconds));
      await vi.advanceTimersByTimeAsync(day);
      expect(due, `${seconds}s`).toEqual([]);
      deadlines.close();
    }
    const due: string[] = [];
    const deadlines = new TaskDeadlines((name) => void due.push(name));
    deadlines.arm(runningFor(30 * 24 * 60 * 60));
    await vi.advanceTimersByTimeAsync(29 * day);
    expect(due).toEqual([]);
    await vi.advanceTimersByTimeAsync(day + 10);
    expect(due).toEqual(['t']);
    deadlines.close();
  });
});
