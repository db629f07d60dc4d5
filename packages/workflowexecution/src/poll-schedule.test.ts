import { describe, expect, it } from 'vitest';
import { PollSchedule } from './poll-schedule.js';

describe('PollSchedule', () => {
  it('doubles the interval only after real polls, not after early wake-ups', () => {
    let now = 0;
    const schedule = new PollSchedule(2_000, 30_000, () => now);
    expect(schedule.polled('ns/a', true)).toBe(2_000);
    now = 500; // the controller's own status write woke the execution
    expect(schedule.remaining('ns/a')).toBe(1_500);
    now = 2_000;
    expect(schedule.remaining('ns/a')).toBe(0);
    expect(schedule.polled('ns/a')).toBe(4_000);
    now = 6_000;
    expect(schedule.polled('ns/a')).toBe(8_000);
  });

  it('caps the interval and treats an unknown key (after a restart) as due', () => {
    let now = 0;
    const schedule = new PollSchedule(20_000, 30_000, () => now);
    schedule.polled('ns/a', true);
    now = 20_000;
    expect(schedule.polled('ns/a')).toBe(30_000);
    expect(schedule.remaining('ns/b')).toBe(0);
    schedule.forget('ns/a');
    expect(schedule.remaining('ns/a')).toBe(0);
  });
});
