import { describe, expect, it } from 'vitest';
import { appendPhase } from './phase-history.js';

const t0 = new Date('2026-03-01T10:00:00.900Z');
const t1 = new Date('2026-03-01T10:00:07.000Z');

describe('appendPhase', () => {
  it('appends each new phase with its time and message, leaving the input alone', () => {
    const first = appendPhase(undefined, 'Queued', 'waiting', t0);
    const second = appendPhase(first, 'Executing', '', t1);
    expect(first).toEqual([
      { phase: 'Queued', occurredAt: '2026-03-01T10:00:00Z', message: 'waiting' },
    ]);
    expect(second).toEqual([
      { phase: 'Queued', occurredAt: '2026-03-01T10:00:00Z', message: 'waiting' },
      { phase: 'Executing', occurredAt: '2026-03-01T10:00:07Z' },
    ]);
  });

  it('does not append a phase equal to the last entry', () => {
    const history = appendPhase(appendPhase([], 'Queued', 'a', t0), 'Queued', 'b', t1);
    expect(history).toEqual([
      { phase: 'Queued', occurredAt: '2026-03-01T10:00:00Z', message: 'a' },
    ]);
  });

  it('appends a phase seen before when another came between', () => {
    let history = appendPhase([], 'Queued', '', t0);
    history = appendPhase(history, 'RetryableFailure', '', t1);
    history = appendPhase(history, 'Queued', '', t1);
    expect(history.map((h) => h.phase)).toEqual(['Queued', 'RetryableFailure', 'Queued']);
  });

  it('keeps the first entry and the latest 49, however many transitions there were', () => {
    let history = appendPhase([], 'Created', 'first', t0);
    for (let lap = 1; lap <= 200; lap++) history = appendPhase(history, `Lap${lap}`, '', t1);
    expect(history).toHaveLength(50);
    expect(history[0]).toMatchObject({ phase: 'Created', message: 'first' });
    expect(history[1]?.phase).toBe('Lap152');
    expect(history.at(-1)?.phase).toBe('Lap200');
  });
});
