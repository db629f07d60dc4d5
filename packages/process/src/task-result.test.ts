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

describe('the stderr quote', () => {
  it('keeps the last five lines, at most 1 KiB', () => {
    expect(stderrQuote('1\n2\n3\n4\n5\n6\n7\n')).toBe('3\n4\n5\n6\n7');
    expect(stderrQuote('x'.repeat(5000)).length).toBe(1024);
    expect(stderrQuote('')).toBe('');
  });
});
