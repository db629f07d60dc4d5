import { describe, expect, it } from 'vitest';
import { executionResult, stderrQuote } from './task-result.js';
import type { TaskSnapshot } from './task-snapshot.js';

const task = (fields: Partial<TaskSnapshot>): TaskSnapshot => ({
  name: 'wfe-1',
  labels: {},
  annotations: {},
  deleting: false,
  phase: 'Running',
  reason: 'Running',
  ...fields,
});

describe('a task as an execution result', () => {
  it('is Pending or Running with an Unknown summary while it has not ended', () => {
    expect(executionResult(task({ phase: 'Pending', reason: 'Pending' }))).toMatchObject({
      phase: 'Pending',
      summary: { status: 'Unknown' },
    });
    expect(executionResult(task({}))).toMatchObject({
      phase: 'Running',
      summary: { status: 'Unknown' },
    });
  });

  it('is Completed with exit code 0', () => {
    expect(
      executionResult(task({ phase: 'Succeeded', reason: 'Succeeded', exitCode: 0 })),
    ).toMatchObject({
      phase: 'Completed',
      summary: { status: 'True', completedTasks: 1, totalTasks: 1 },
      exitCode: 0,
    });
  });

  it('classifies a non-zero exit as TaskFailed and quotes stderr', () => {
    const result = executionResult(
      task({
        phase: 'Failed',
        reason: 'Failed',
        exitCode: 3,
        message: 'the process exited with code 3',
      }),
      'line 1\nboom\n',
    );
    expect(result).toMatchObject({
      phase: 'Failed',
      reason: 'ProcessFailed',
      failureReason: 'TaskFailed',
      exitCode: 3,
      summary: { status: 'False' },
    });
    expect(result.message).toBe('task wfe-1: the process exited with code 3; stderr: line 1\nboom');
  });

  it.each([
    ['Timeout', 'Timeout', 'DeadlineExceeded'],
    ['TaskTimeout', 'Timeout', 'DeadlineExceeded'],
    ['Stopped', 'Stopped', 'TaskFailed'],
    ['StartFailed', 'StartFailed', 'Unknown'],
    ['PreStartHookFailed', 'PreStartHookFailed', 'Unknown'],
    ['ProcessCrashed', 'OutcomeUnknown', 'Unknown'],
    ['SomethingNew', 'ProcessFailed', 'TaskFailed'],
  ])('classifies a failure with reason %s as %s / %s', (reason, expected, failureReason) => {
    expect(executionResult(task({ phase: 'Failed', reason, exitCode: 137 }))).toMatchObject({
      reason: expected,
      failureReason,
    });
  });

  it('fails an Unknown outcome without inventing an exit code', () => {
    const result = executionResult(
      task({ phase: 'Unknown', reason: 'Lost', message: 'no status' }),
    );
    expect(result).toMatchObject({
      phase: 'Failed',
      reason: 'OutcomeUnknown',
      failureReason: 'Unknown',
    });
    expect(result).not.toHaveProperty('exitCode');
  });
});

describe('when a task started and ended', () => {
  it('says whether the command started, from the first wait on', () => {
    expect(
      executionResult(task({ phase: 'Pending', reason: 'Pending', started: false })),
    ).toMatchObject({
      started: false,
    });
    expect(executionResult(task({ started: true }))).toMatchObject({ started: true });
  });

  it.each([
    ['StartFailed', 128],
    ['PreStartHookFailed', 1],
  ])(
    'reports a %s task as never started, so it reads as no execution failure',
    (reason, exitCode) => {
      const result = executionResult(
        task({
          phase: 'Failed',
          reason,
          exitCode,
          started: false,
          finishedAt: '2026-01-01T10:00:01Z',
        }),
      );
      expect(result).toMatchObject({ phase: 'Failed', started: false, failureReason: 'Unknown' });
      expect(result.completionTime).toBe('2026-01-01T10:00:01Z');
    },
  );

  it.each(['Timeout', 'Stopped', 'PostStopHookFailed'])(
    'classifies a %s end of a task that never started its command as Unknown, not as a run that failed',
    (reason) => {
      const result = executionResult(
        task({ phase: 'Failed', reason, exitCode: 143, started: false }),
      );
      expect(result).toMatchObject({ reason, started: false, failureReason: 'Unknown' });
    },
  );

  it.each([
    ['Succeeded', 'Succeeded', 0],
    ['Failed', 'Failed', 3],
    ['Failed', 'Timeout', 137],
  ] as const)('gives a %s end (%s) its own completion time', (phase, reason, exitCode) => {
    const result = executionResult(
      task({ phase, reason, exitCode, started: true, finishedAt: '2026-01-01T10:05:00Z' }),
    );
    expect(result).toMatchObject({ started: true, completionTime: '2026-01-01T10:05:00Z' });
  });

  it('leaves out what the task does not say', () => {
    const result = executionResult(task({ phase: 'Unknown', reason: 'UnreadableRecord' }));
    expect(result).not.toHaveProperty('started');
    expect(result).not.toHaveProperty('completionTime');
  });
});

describe('the stderr quote', () => {
  it('keeps the last five lines, at most 1 KiB', () => {
    expect(stderrQuote('1\n2\n3\n4\n5\n6\n7\n')).toBe('3\n4\n5\n6\n7');
    expect(stderrQuote('x'.repeat(5000)).length).toBe(1024);
    expect(stderrQuote('')).toBe('');
  });
});
