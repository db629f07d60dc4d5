import { describe, expect, it } from 'vitest';
import { type PipelineRunState, pipelineRunResult, type TaskRunState } from './status.js';

/**
 * Runs that Tekton stopped, in the shapes Tekton v1.15 writes (seen against the real controller
 * in packages/tekton/test): on a cancel or a timeout it marks every unfinished step
 * `exitCode: 1` with reason TaskRunCancelled or TaskRunTimeout.
 */
const run = (reason: string, message: string, tasks: string[]): PipelineRunState => ({
  status: {
    conditions: [{ type: 'Succeeded', status: 'False', reason, message }],
    childReferences: tasks.map((t) => ({ kind: 'TaskRun', name: `pr-${t}`, pipelineTaskName: t })),
  },
});

type Step = NonNullable<NonNullable<TaskRunState['status']>['steps']>[number];

const taskRun = (task: string, reason: string, steps: Step[]): TaskRunState => ({
  metadata: { name: `pr-${task}` },
  status: {
    conditions: [{ type: 'Succeeded', status: reason === 'Succeeded' ? 'True' : 'False', reason }],
    steps,
  },
});

const stoppedBy = (reason: string): Step => ({
  name: 'run',
  container: 'step-run',
  terminated: {
    exitCode: 1,
    reason,
    message: 'Step run terminated as pod pr-long-pod is terminated',
  },
  terminationReason: reason,
});

describe('runs Tekton stopped', () => {
  it('report a cancelled run without an exit code or a failed task, and without a failure class', () => {
    const result = pipelineRunResult(run('Cancelled', 'PipelineRun "pr" was cancelled', ['long']), [
      taskRun('long', 'TaskRunCancelled', [stoppedBy('TaskRunCancelled')]),
    ]);
    expect(result).toMatchObject({
      phase: 'Failed',
      reason: 'Cancelled',
      message: 'PipelineRun "pr" was cancelled; TaskRun pr-long (pipeline task long) was cancelled',
    });
    expect(result).not.toHaveProperty('exitCode');
    expect(result).not.toHaveProperty('failedTaskName');
    expect(result).not.toHaveProperty('failureReason');
  });

  it('name a TaskRun of a cancelled run as cancelled before its own status says so', () => {
    // Tekton patches the TaskRun to cancelled and marks the run Cancelled in one pass; the
    // TaskRun's own reconcile writes its TaskRunCancelled condition later.
    const stopping: TaskRunState = {
      metadata: { name: 'pr-long' },
      status: {
        conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }],
        steps: [{ name: 'run', container: 'step-run', running: {} }],
      },
    };
    const result = pipelineRunResult(run('Cancelled', 'PipelineRun "pr" was cancelled', ['long']), [
      stopping,
    ]);
    expect(result).toMatchObject({
      phase: 'Failed',
      reason: 'Cancelled',
      message: 'PipelineRun "pr" was cancelled; TaskRun pr-long (pipeline task long) was cancelled',
    });
    expect(result).not.toHaveProperty('exitCode');
  });

  it('report a run stopped gracefully, whose tasks all finished, as Cancelled and nothing else', () => {
    const done = taskRun('long', 'Succeeded', [{ name: 'run', terminated: { exitCode: 0 } }]);
    const result = pipelineRunResult(run('Cancelled', 'PipelineRun "pr" was cancelled', ['long']), [
      done,
    ]);
    expect(result).toMatchObject({
      reason: 'Cancelled',
      message: 'PipelineRun "pr" was cancelled',
    });
    expect(result).not.toHaveProperty('failureReason');
  });

  it('report a pipeline timeout as DeadlineExceeded without the exit code Tekton wrote', () => {
    const result = pipelineRunResult(
      run('PipelineRunTimeout', 'PipelineRun "pr" failed to finish within "3s"', ['long']),
      [taskRun('long', 'TaskRunCancelled', [stoppedBy('TaskRunCancelled')])],
    );
    expect(result).toMatchObject({
      reason: 'PipelineRunTimeout',
      failureReason: 'DeadlineExceeded',
    });
    expect(result).not.toHaveProperty('exitCode');
  });

  it('name a TaskRun of a timed-out run as cancelled before its own status says so', () => {
    const stopping: TaskRunState = {
      metadata: { name: 'pr-long' },
      status: { conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }] },
    };
    const result = pipelineRunResult(
      run('PipelineRunTimeout', 'PipelineRun "pr" failed to finish within "3s"', ['long']),
      [stopping],
    );
    expect(result).toMatchObject({
      reason: 'PipelineRunTimeout',
      failureReason: 'DeadlineExceeded',
      message:
        'PipelineRun "pr" failed to finish within "3s"; TaskRun pr-long (pipeline task long) was cancelled',
    });
  });

  it("name a task that timed out on its own, as DeadlineExceeded, without Tekton's exit code", () => {
    const result = pipelineRunResult(run('Failed', 'Tasks Completed: 1 (Failed: 1)', ['long']), [
      taskRun('long', 'TaskRunTimeout', [stoppedBy('TaskRunTimeout')]),
    ]);
    expect(result).toMatchObject({ failedTaskName: 'pr-long', failureReason: 'DeadlineExceeded' });
    expect(result).not.toHaveProperty('exitCode');
  });

  it('take the exit code from the step that ended the task, not from one that continued or was skipped', () => {
    const result = pipelineRunResult(run('Failed', 'Tasks Completed: 1 (Failed: 1)', ['test']), [
      taskRun('test', 'StepFailed', [
        {
          name: 'lint',
          terminated: { exitCode: 2, reason: 'Completed' },
          terminationReason: 'Continued',
        },
        { name: 'unit', terminated: { exitCode: 5, reason: 'Error' } },
        {
          name: 'report',
          terminated: { exitCode: 1, reason: 'Error' },
          terminationReason: 'Skipped',
        },
      ]),
    ]);
    expect(result).toMatchObject({
      exitCode: 5,
      failedTaskName: 'pr-test',
      failureReason: 'TaskFailed',
    });
    expect(result.message).toContain('failed: step unit exited with code 5 (Error)');
  });
});
