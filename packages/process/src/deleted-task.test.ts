import { describe, expect, it } from 'vitest';
import { stoppedByDeletion } from './deleted-task.js';
import type { TaskSnapshot } from './task-snapshot.js';

const task = (fields: Partial<TaskSnapshot>): TaskSnapshot => ({
  name: 'wfe-1',
  labels: {},
  annotations: {},
  deleting: true,
  deletionTimestamp: '2026-01-01T10:00:10Z',
  phase: 'Running',
  reason: 'Running',
  started: true,
  ...fields,
});

describe('a task being deleted', () => {
  it.each<[string, Partial<TaskSnapshot>]>([
    ['still running while it is stopped', {}],
    ['waiting to start', { phase: 'Pending', reason: 'Pending', started: false }],
    [
      'stopped by the deletion',
      { phase: 'Failed', reason: 'Stopped', exitCode: 143, finishedAt: '2026-01-01T10:00:10Z' },
    ],
    [
      'ended after the deletion was asked for',
      { phase: 'Failed', reason: 'PreStartHookFailed', finishedAt: '2026-01-01T10:00:11Z' },
    ],
  ])('is gone when %s', (_, fields) => {
    expect(stoppedByDeletion(task(fields))).toBe(true);
  });

  it.each<[string, Partial<TaskSnapshot>]>([
    [
      'succeeded before',
      { phase: 'Succeeded', reason: 'Succeeded', exitCode: 0, finishedAt: '2026-01-01T10:00:05Z' },
    ],
    [
      'timed out before',
      { phase: 'Failed', reason: 'Timeout', exitCode: 137, finishedAt: '2026-01-01T10:00:10Z' },
    ],
    ['lost its outcome before', { phase: 'Unknown', reason: 'Lost' }],
  ])('keeps its verdict when it %s', (_, fields) => {
    expect(stoppedByDeletion(task(fields))).toBe(false);
  });

  it('is no concern of a task nobody deletes', () => {
    expect(stoppedByDeletion(task({ deleting: false, deletionTimestamp: undefined }))).toBe(false);
  });
});
