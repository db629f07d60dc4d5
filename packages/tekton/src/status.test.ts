/**
 * Past 350 lines: the cases of one mapping, a PipelineRun and its TaskRuns to a result, with
 * kubernaut's failure classification tables under both presets.
 */
import {
  ExecutionResultSchema,
  kubernautConventions,
  roundhouseConventions,
} from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { classifyPipelineRunFailure } from './failure-classification.js';
import { kubernautFailureCases } from './kubernaut-failure-cases.test-support.js';
import {
  explainTaskFailure,
  isPipelineRunFinished,
  type PipelineRunState,
  pipelineRunResult,
  type TaskRunState,
} from './status.js';

const succeeded = (status: string, reason?: string, message?: string) => ({
  type: 'Succeeded',
  status,
  ...(reason ? { reason } : {}),
  ...(message ? { message } : {}),
});

const child = (task: string, kind = 'TaskRun') => ({
  apiVersion: kind === 'TaskRun' ? 'tekton.dev/v1' : 'tekton.dev/v1beta1',
  kind,
  name: `wfe-1-${task}`,
  pipelineTaskName: task,
});

const pipelineRun = (
  condition?: ReturnType<typeof succeeded>,
  children: ReturnType<typeof child>[] = [],
): PipelineRunState => ({
  status: {
    ...(condition ? { conditions: [condition] } : {}),
    ...(children.length ? { childReferences: children } : {}),
  },
});

const taskRun = (
  task: string,
  status: string,
  steps: NonNullable<TaskRunState['status']>['steps'] = [],
  reason?: string,
  message?: string,
): TaskRunState => ({
  metadata: { name: `wfe-1-${task}` },
  status: { conditions: [succeeded(status, reason, message)], steps },
});

const exited = (name: string, exitCode: number, reason?: string) => ({
  name,
  container: `step-${name}`,
  terminated: { exitCode, ...(reason ? { reason } : {}) },
});

describe('pipelineRunResult', () => {
  it.each(['Succeeded', 'Completed'])(
    'maps Succeeded=True with reason %s to Completed with that reason',
    (reason) => {
      const result = pipelineRunResult(
        pipelineRun(succeeded('True', reason, 'Tasks Completed: 2 (Failed: 0, Cancelled 0)'), [
          child('build'),
          child('deploy'),
        ]),
        [taskRun('build', 'True'), taskRun('deploy', 'True')],
      );
      expect(result).toEqual({
        phase: 'Completed',
        reason,
        message: 'Tasks Completed: 2 (Failed: 0, Cancelled 0)',
        summary: {
          status: 'True',
          reason,
          message: 'Tasks Completed: 2 (Failed: 0, Cancelled 0)',
          completedTasks: 2,
          totalTasks: 2,
        },
        started: true,
      });
      expect(() => ExecutionResultSchema.parse(result)).not.toThrow();
    },
  );

  it.each([
    'Failed',
    'PipelineRunTimeout',
    'Cancelled',
    'CancelledRunningFinally',
    'StoppedRunningFinally',
    'CouldntGetPipeline',
    'CouldntGetTask',
    'CreateRunFailed',
    'InvalidWorkspaceBindings',
    'ParameterMissing',
    'PipelineValidationFailed',
    'PipelineRunCouldntCancel',
  ])('maps Succeeded=False with reason %s to Failed with that reason', (reason) => {
    const result = pipelineRunResult(pipelineRun(succeeded('False', reason, 'it broke')));
    expect(result).toMatchObject({
      phase: 'Failed',
      reason,
      message: 'it broke',
      summary: { status: 'False', reason, message: 'it broke' },
    });
    expect(result).not.toHaveProperty('exitCode');
    expect(result).not.toHaveProperty('failedTaskName');
  });

  it.each([
    'Running',
    'Started',
    'ResolvingPipelineRef',
    'PipelineRunPending',
    'PipelineRunStopping',
    'CancelledRunningFinally',
    'StoppedRunningFinally',
    'Cancelled',
  ])('maps Succeeded=Unknown with reason %s to Running', (reason) => {
    const result = pipelineRunResult(
      pipelineRun(succeeded('Unknown', reason, 'Tasks Completed: 0')),
    );
    expect(result).toEqual({
      phase: 'Running',
      reason,
      message: `Pipeline executing (${reason})`,
      summary: {
        status: 'Unknown',
        reason,
        message: 'Tasks Completed: 0',
        completedTasks: 0,
        totalTasks: 0,
      },
      started: false,
    });
  });

  it('reports a PipelineRun Tekton has not started as Running with reason Pending', () => {
    expect(pipelineRunResult({})).toEqual({
      phase: 'Running',
      reason: 'Pending',
      message: 'Pipeline created, waiting for Tekton to start execution',
      summary: { status: 'Unknown', completedTasks: 0, totalTasks: 0 },
      started: false,
    });
  });

  it('ignores conditions of other types', () => {
    const result = pipelineRunResult({
      status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Whatever' }] },
    });
    expect(result.reason).toBe('Pending');
  });

  it('falls back to a reason when Tekton gives none', () => {
    expect(pipelineRunResult(pipelineRun(succeeded('True'))).reason).toBe('Succeeded');
    expect(pipelineRunResult(pipelineRun(succeeded('False')))).toMatchObject({
      reason: 'Failed',
      message: 'Pipeline failed (Failed)',
    });
    expect(pipelineRunResult(pipelineRun(succeeded('Unknown'))).message).toBe(
      'Pipeline executing (Running)',
    );
  });

  it('counts every child as a task and only succeeded TaskRuns as completed', () => {
    const result = pipelineRunResult(
      pipelineRun(succeeded('Unknown', 'Running'), [
        child('build'),
        child('test'),
        child('deploy'),
        child('approve', 'CustomRun'),
      ]),
      [
        taskRun('build', 'True'),
        taskRun('test', 'Unknown'),
        // A TaskRun with the label but not among the children (e.g. a stale one) is not counted.
        taskRun('stale', 'True'),
      ],
    );
    expect(result.summary).toMatchObject({ completedTasks: 1, totalTasks: 4 });
  });

  it('names the first failed TaskRun and its first step that exited non-zero', () => {
    const result = pipelineRunResult(
      pipelineRun(
        succeeded('False', 'Failed', 'Tasks Completed: 3 (Failed: 2, Cancelled 0), Skipped: 0'),
        [child('build'), child('test'), child('deploy')],
      ),
      [
        taskRun('build', 'True', [exited('compile', 0)]),
        taskRun('test', 'False', [exited('unit', 0), exited('lint', 2, 'Error'), exited('e2e', 1)]),
        taskRun('deploy', 'False', [exited('apply', 137, 'OOMKilled')]),
      ],
    );
    expect(result).toEqual({
      phase: 'Failed',
      reason: 'Failed',
      message:
        'Tasks Completed: 3 (Failed: 2, Cancelled 0), Skipped: 0; TaskRun wfe-1-test (pipeline task test) failed: step lint exited with code 2 (Error)',
      summary: {
        status: 'False',
        reason: 'Failed',
        message: 'Tasks Completed: 3 (Failed: 2, Cancelled 0), Skipped: 0',
        completedTasks: 1,
        totalTasks: 3,
      },
      failureReason: 'TaskFailed',
      exitCode: 2,
      failedTaskName: 'wfe-1-test',
      failedTaskIndex: 1,
      failedStepName: 'lint',
      started: true,
    });
  });

  it("counts the failed TaskRun's position among every child, as kubernaut's failedTaskIndex does", () => {
    const result = pipelineRunResult(
      pipelineRun(succeeded('False', 'Failed'), [
        child('approve', 'CustomRun'),
        child('build'),
        child('deploy'),
      ]),
      [taskRun('build', 'True'), taskRun('deploy', 'False')],
    );
    expect(result).toMatchObject({ failedTaskName: 'wfe-1-deploy', failedTaskIndex: 2 });
    expect(result).not.toHaveProperty('failedStepName');
  });

  it.each([
    ['PipelineRunTimeout', 'DeadlineExceeded'],
    ['TaskRunTimeout', 'DeadlineExceeded'],
    ['TaskRunImagePullFailed', 'ImagePullBackOff'],
    ['TaskRunValidationFailed', 'ConfigurationError'],
    ['InvalidParamValue', 'ConfigurationError'],
    ['PodAdmissionFailed', 'Forbidden'],
  ])(
    'classifies a run that failed with reason %s, and no failed TaskRun, as %s',
    (reason, failureReason) => {
      const result = pipelineRunResult(pipelineRun(succeeded('False', reason, 'it broke')));
      expect(result.failureReason).toBe(failureReason);
    },
  );

  it.each(['Failed', 'PipelineRunFailed', 'TaskRunFailed', 'CouldntGetPipelineResult'])(
    'gives a run that failed with reason %s, no failed TaskRun and no start, no classification (Unknown)',
    (reason) => {
      const result = pipelineRunResult(
        pipelineRun(
          succeeded('False', reason, 'task failed: OOMKilled, forbidden, invalid, quota'),
        ),
      );
      expect(result).toMatchObject({ phase: 'Failed', reason, started: false });
      expect(result).not.toHaveProperty('failureReason');
    },
  );

  it.each(['Failed', 'PipelineRunFailed', 'TaskRunFailed'])(
    'calls a run that began and failed with reason %s, no TaskRun having failed, TaskFailed',
    (reason) => {
      const result = pipelineRunResult({
        status: {
          conditions: [succeeded('False', reason, 'it broke')],
          startTime: '2026-12-03T10:00:00Z',
        },
      });
      expect(result).toMatchObject({ failureReason: 'TaskFailed', started: true });
    },
  );

  it.each([
    'CouldntGetPipeline',
    'ParameterMissing',
    'ParamArrayIndexingInvalid',
    'CELEvaluationFailed',
    'InvalidPipelineResourceBindings',
    'CreateRunFailed',
  ])(
    'classifies a run refused with reason %s as a ConfigurationError, started or not',
    (reason) => {
      for (const startTime of [undefined, '2026-12-03T10:00:00Z']) {
        const result = pipelineRunResult({
          status: { conditions: [succeeded('False', reason, 'no')], startTime },
        });
        expect(result.failureReason).toBe('ConfigurationError');
      }
    },
  );

  it.each([
    ['CouldntGetPipeline', 'ConfigurationError', 'TaskFailed'],
    ['ParameterMissing', 'ConfigurationError', 'TaskFailed'],
    ['CreateRunFailed', 'ConfigurationError', 'TaskFailed'],
    ['PipelineRunTimeout', 'DeadlineExceeded', 'DeadlineExceeded'],
    ['Failed', 'TaskFailed', 'TaskFailed'],
  ])(
    'classifies a run that failed with reason %s and a failed TaskRun as %s before any step ran, as %s after',
    (reason, beforeAStep, afterAStep) => {
      const run = pipelineRun(succeeded('False', reason), [child('build')]);
      expect(pipelineRunResult(run, [taskRun('build', 'False', [], 'Failed')]).failureReason).toBe(
        beforeAStep,
      );
      expect(
        pipelineRunResult(run, [taskRun('build', 'False', [exited('compile', 2)], 'Failed')])
          .failureReason,
      ).toBe(afterAStep);
    },
  );

  it('calls a run whose pipeline result cannot be resolved TaskFailed: its tasks ran', () => {
    const unresolved = succeeded('False', 'CouldntGetPipelineResult', 'no such result');
    const allPassed = pipelineRunResult(pipelineRun(unresolved, [child('build')]), [
      taskRun('build', 'True'),
    ]);
    expect(allPassed).toMatchObject({ failureReason: 'TaskFailed', started: true });
    const taskFailed = pipelineRunResult(pipelineRun(unresolved, [child('build')]), [
      taskRun('build', 'False', [exited('compile', 2)], 'Failed'),
    ]);
    expect(taskFailed).toMatchObject({
      reason: 'CouldntGetPipelineResult',
      failureReason: 'TaskFailed',
      failedTaskName: 'wfe-1-build',
      exitCode: 2,
    });
  });

  it("takes no reason from the object's prototype for an entry of its tables", () => {
    expect(classifyPipelineRunFailure('constructor', undefined, false)).toBeUndefined();
    expect(
      classifyPipelineRunFailure(
        'Failed',
        {
          taskRunName: 'wfe-1-build',
          taskRunReason: 'toString',
          description: 'odd',
        },
        true,
      ),
    ).toBe('TaskFailed');
  });

  it('classifies a run whose failed step was killed for memory as OOMKilled', () => {
    expect(
      classifyPipelineRunFailure(
        'Failed',
        {
          taskRunName: 'wfe-1-build',
          exitCode: 137,
          stepReason: 'OOMKilled',
          description: 'killed',
        },
        true,
      ),
    ).toBe('OOMKilled');
  });

  it.each([
    ['StepOOM', 'OOMKilled'],
    ['SidecarOOM', 'OOMKilled'],
    ['InitContainerOOM', 'OOMKilled'],
    ['TaskRunImagePullFailed', 'ImagePullBackOff'],
    ['CreateContainerConfigError', 'ConfigurationError'],
    ['PodCreationFailed', 'ConfigurationError'],
    ['PodAdmissionFailed', 'Forbidden'],
    ['ResourceVerificationFailed', 'ConfigurationError'],
    ['PodEvicted', 'Unknown'],
    ['InitContainerFailed', 'Unknown'],
    ['SidecarFailed', 'TaskFailed'],
    ['StepFailed', 'TaskFailed'],
  ])('classifies a run whose TaskRun failed with reason %s as %s', (reason, failureReason) => {
    // A sidecar or init container killed for memory, or a pod that never started, leaves no
    // step that exited: only the TaskRun's own reason says why.
    const result = pipelineRunResult(
      pipelineRun(succeeded('False', 'Failed', 'Tasks Completed: 1 (Failed: 1)'), [child('build')]),
      [taskRun('build', 'False', [], reason, 'it broke')],
    );
    expect(result).toMatchObject({ failedTaskName: 'wfe-1-build', failureReason });
  });

  it('reports an evicted TaskRun as evicted, without the exit code of the step its eviction killed', () => {
    const evicted = 'The node was low on resource: ephemeral-storage.';
    const result = pipelineRunResult(
      pipelineRun(succeeded('False', 'Failed', 'Tasks Completed: 1 (Failed: 1)'), [child('build')]),
      [taskRun('build', 'False', [exited('compile', 137, 'Error')], 'PodEvicted', evicted)],
    );
    expect(result).toMatchObject({
      failedTaskName: 'wfe-1-build',
      failureReason: 'Unknown',
      message: `Tasks Completed: 1 (Failed: 1); TaskRun wfe-1-build (pipeline task build) failed: PodEvicted: ${evicted}`,
    });
    expect(result).not.toHaveProperty('exitCode');
  });

  it('names a TaskRun whose Tekton init container failed without an exit code: no step of it started', () => {
    const why = 'init container failed, "prepare" exited with code 1';
    const result = pipelineRunResult(
      pipelineRun(succeeded('False', 'Failed', 'Tasks Completed: 1 (Failed: 1)'), [child('build')]),
      [
        taskRun(
          'build',
          'False',
          [exited('compile', 137, 'ContainerStatusUnknown')],
          'InitContainerFailed',
          why,
        ),
      ],
    );
    expect(result).toMatchObject({
      failedTaskName: 'wfe-1-build',
      failureReason: 'Unknown',
      message: `Tasks Completed: 1 (Failed: 1); TaskRun wfe-1-build (pipeline task build) failed: InitContainerFailed: ${why}`,
    });
    expect(result).not.toHaveProperty('exitCode');
  });

  it('passes over a failure the Pipeline ignores (onError: continue) to the one that ended the run', () => {
    const result = pipelineRunResult(
      pipelineRun(succeeded('False', 'Failed'), [child('lint'), child('deploy')]),
      [
        taskRun('lint', 'False', [exited('check', 9)], 'FailureIgnored'),
        taskRun('deploy', 'False', [exited('apply', 4)], 'StepFailed'),
      ],
    );
    expect(result).toMatchObject({
      failedTaskName: 'wfe-1-deploy',
      exitCode: 4,
      failureReason: 'TaskFailed',
    });
    expect(result.message).not.toContain('wfe-1-lint');
  });

  it('reports no exit code for a timed-out run whose only failed TaskRun was ignored', () => {
    const result = pipelineRunResult(
      pipelineRun(succeeded('False', 'PipelineRunTimeout'), [child('lint')]),
      [taskRun('lint', 'False', [exited('check', 9)], 'FailureIgnored')],
    );
    expect(result).toMatchObject({ failureReason: 'DeadlineExceeded' });
    expect(result).not.toHaveProperty('exitCode');
    expect(result).not.toHaveProperty('failedTaskName');
  });

  it('follows the order of the children, not of the list', () => {
    const result = pipelineRunResult(
      pipelineRun(succeeded('False', 'Failed'), [child('first'), child('second')]),
      [taskRun('second', 'False', [exited('s', 3)]), taskRun('first', 'False', [exited('f', 4)])],
    );
    expect(result).toMatchObject({ failedTaskName: 'wfe-1-first', exitCode: 4 });
  });

  it('names a failed TaskRun without an exit code when no step exited non-zero', () => {
    const result = pipelineRunResult(
      pipelineRun(succeeded('False', 'PipelineRunTimeout', 'PipelineRun "x" failed to finish'), [
        child('build'),
      ]),
      [taskRun('build', 'False', [], 'TaskRunTimeout', 'TaskRun "wfe-1-build" failed to finish')],
    );
    expect(result.failedTaskName).toBe('wfe-1-build');
    expect(result).not.toHaveProperty('exitCode');
    expect(result.message).toBe(
      'PipelineRun "x" failed to finish; TaskRun wfe-1-build (pipeline task build) failed: TaskRunTimeout: TaskRun "wfe-1-build" failed to finish',
    );
  });

  it('explains nothing about TaskRuns while the run has not failed', () => {
    const result = pipelineRunResult(
      pipelineRun(succeeded('Unknown', 'Running'), [child('build')]),
      [taskRun('build', 'False', [exited('compile', 1)])],
    );
    expect(result.phase).toBe('Running');
    expect(result).not.toHaveProperty('exitCode');
    expect(result).not.toHaveProperty('failedTaskName');
  });
});

describe('a failure after a task succeeded', () => {
  it('is a task failure, not one of a workflow that never ran: the first task acted on the target', () => {
    const run = (reason: string, children: ReturnType<typeof child>[]) =>
      pipelineRun(
        succeeded('False', reason, 'Tasks Completed: 2 (Failed: 1, Cancelled 0)'),
        children,
      );
    const imageOfSecond = pipelineRunResult(run('Failed', [child('drain'), child('restart')]), [
      taskRun('drain', 'True'),
      taskRun('restart', 'False', [], 'TaskRunImagePullFailed', 'image pull failed'),
    ]);
    expect(imageOfSecond).toMatchObject({
      failureReason: 'TaskFailed',
      failedTaskName: 'wfe-1-restart',
    });
    const enumOfSecond = pipelineRunResult(run('InvalidParamValue', [child('drain')]), [
      taskRun('drain', 'True'),
    ]);
    expect(enumOfSecond.failureReason).toBe('TaskFailed');
    const alone = pipelineRunResult(run('Failed', [child('restart')]), [
      taskRun('restart', 'False', [], 'TaskRunImagePullFailed', 'image pull failed'),
    ]);
    expect(alone.failureReason).toBe('ImagePullBackOff');
    expect(classifyPipelineRunFailure('PipelineRunTimeout', undefined, true, 1)).toBe(
      'DeadlineExceeded',
    );
  });
});

describe('a failure once a task ran', () => {
  /** When the TaskRuns were created: Tekton (v0.70 and later) starts a step it ended waiting then. */
  const created = '2026-12-03T10:00:00Z';
  /** When a step's container started, on a step that ran. */
  const ranSince = '2026-12-03T10:00:07Z';

  /**
   * A step Tekton ended when it failed its TaskRun with `reason` (taskrun.go
   * `terminateStepsInPod`): exit code 1 and the TaskRun's reason, and the container's start if it
   * ran, else the TaskRun's creation, or none before Tekton v0.70.
   */
  const endedByTekton = (name: string, reason: string, startedAt: string | null) => ({
    name,
    container: `step-${name}`,
    terminationReason: reason,
    terminated: { exitCode: 1, reason, startedAt },
  });

  const failedTaskRun = (
    task: string,
    reason: string,
    steps: NonNullable<TaskRunState['status']>['steps'],
    retriesStatus?: unknown[],
  ): TaskRunState => ({
    metadata: { name: `wfe-1-${task}`, creationTimestamp: created },
    status: {
      conditions: [succeeded('False', reason, `${task}: ${reason}`)],
      steps,
      ...(retriesStatus ? { retriesStatus } : {}),
    },
  });

  const failedRun = (reason: string, tasks: string[]) =>
    pipelineRun(
      succeeded('False', reason, `Tasks Completed: ${tasks.length} (Failed: ${tasks.length})`),
      tasks.map((task) => child(task)),
    );

  const neverRan = ['ConfigurationError', 'ImagePullBackOff', 'ResourceExhausted'];

  it('is explained by the task that ran, not by a parallel one that never started, in either order', () => {
    const pulled = failedTaskRun('restart', 'TaskRunImagePullFailed', [
      endedByTekton('run', 'TaskRunImagePullFailed', created),
    ]);
    const ran = failedTaskRun('drain', 'Failed', [exited('apply', 1, 'Error')]);
    for (const order of [
      ['restart', 'drain'],
      ['drain', 'restart'],
    ]) {
      expect(pipelineRunResult(failedRun('Failed', order), [pulled, ran])).toMatchObject({
        failureReason: 'TaskFailed',
        failedTaskName: 'wfe-1-drain',
        failedTaskIndex: order.indexOf('drain'),
        failedStepName: 'apply',
        exitCode: 1,
        started: true,
      });
    }
  });

  it.each([
    ['ended by itself', () => exited('prepare', 0, 'Completed')],
    [
      'was running when Tekton failed the TaskRun',
      (reason: string) => endedByTekton('prepare', reason, ranSince),
    ],
  ])(
    "is a task failure when a step that %s came before the one whose image could not be pulled, without Tekton's exit code",
    (_how, prepare) => {
      const reason = 'TaskRunImagePullFailed';
      const result = pipelineRunResult(failedRun('Failed', ['restart']), [
        failedTaskRun('restart', reason, [prepare(reason), endedByTekton('run', reason, created)]),
      ]);
      expect(result).toMatchObject({
        failureReason: 'TaskFailed',
        failedTaskName: 'wfe-1-restart',
      });
      expect(result).not.toHaveProperty('exitCode');
      expect(result.message).toContain(`failed: ${reason}: restart: ${reason}`);
    },
  );

  it('keeps the class saying nothing ran when no task ran, explained by the first failed child', () => {
    const result = pipelineRunResult(failedRun('Failed', ['restart', 'drain']), [
      failedTaskRun('restart', 'TaskRunImagePullFailed', [
        endedByTekton('run', 'TaskRunImagePullFailed', created),
      ]),
      // Tekton before v0.70 gave a step it ended waiting no start; a container the runtime
      // could not start ran nothing either.
      failedTaskRun('drain', 'CreateContainerConfigError', [
        endedByTekton('apply', 'CreateContainerConfigError', null),
        exited('verify', 128, 'StartError'),
      ]),
    ]);
    expect(result).toMatchObject({
      failureReason: 'ImagePullBackOff',
      failedTaskName: 'wfe-1-restart',
      failedTaskIndex: 0,
      started: true,
    });
    expect(result).not.toHaveProperty('exitCode');
  });

  it("counts a custom task's run as one that may have run: it is not read", () => {
    const pulled = failedTaskRun('restart', 'TaskRunImagePullFailed', [
      endedByTekton('run', 'TaskRunImagePullFailed', created),
    ]);
    const run = failedRun('Failed', ['restart']);
    const withCustomRun = pipelineRun(succeeded('False', 'Failed'), [
      child('restart'),
      child('notify', 'CustomRun'),
    ]);
    expect(pipelineRunResult(run, [pulled]).failureReason).toBe('ImagePullBackOff');
    expect(pipelineRunResult(withCustomRun, [pulled])).toMatchObject({
      failureReason: 'TaskFailed',
      failedTaskName: 'wfe-1-restart',
    });
  });

  it('counts a TaskRun Tekton retried as one that may have run: an earlier attempt may have', () => {
    const earlier = { conditions: [succeeded('False', 'Failed')], podName: 'wfe-1-restart-pod' };
    const result = pipelineRunResult(failedRun('Failed', ['restart']), [
      failedTaskRun(
        'restart',
        'TaskRunImagePullFailed',
        [endedByTekton('run', 'TaskRunImagePullFailed', created)],
        [earlier],
      ),
    ]);
    expect(result.failureReason).toBe('TaskFailed');
  });

  it.each([
    // The run's own reasons that say its definition is unusable.
    ['CouldntGetPipeline', 'Failed'],
    ['CouldntGetTask', 'Failed'],
    ['InvalidParamValue', 'Failed'],
    ['CELEvaluationFailed', 'Failed'],
    ['CreateRunFailed', 'Failed'],
    ['TaskRunImagePullFailed', 'Failed'],
    // A failed TaskRun's reasons that say its pod never ran, listed before the task that ran.
    ['Failed', 'TaskRunImagePullFailed'],
    ['Failed', 'CreateContainerConfigError'],
    ['Failed', 'PodCreationFailed'],
    ['Failed', 'TaskRunValidationFailed'],
    ['Failed', 'TaskRunResolutionFailed'],
  ])(
    'never says a run failed with reason %s (a TaskRun %s first) did not run when a task ran',
    (runReason, taskRunReason) => {
      const ranIn = [
        failedTaskRun('drain', 'Failed', [exited('apply', 3, 'Error')]),
        taskRun('drain', 'True', [exited('apply', 0, 'Completed')]),
        failedTaskRun('drain', 'TaskRunTimeout', [
          endedByTekton('apply', 'TaskRunTimeout', ranSince),
        ]),
      ];
      for (const ran of ranIn) {
        const result = pipelineRunResult(failedRun(runReason, ['restart', 'drain']), [
          failedTaskRun('restart', taskRunReason, [endedByTekton('run', taskRunReason, created)]),
          ran,
        ]);
        expect(result.started).toBe(true);
        expect(neverRan).not.toContain(result.failureReason);
      }
    },
  );
});

describe("kubernaut's failure classification cases (failure_classification_integration_test.go)", () => {
  /** The PipelineRun kubernaut's test makes: only its status, with or without a start time. */
  const failedRun = (reason: string, message: string, startTime: boolean): PipelineRunState => ({
    status: {
      conditions: [succeeded('False', reason, message)],
      ...(startTime ? { startTime: '2026-12-03T10:00:00Z' } : {}),
    },
  });

  it.each(kubernautFailureCases)(
    '%s (%s), started %s: %s as kubernaut, %s with the roundhouse preset',
    (reason, message, startTime, kubernaut, roundhouse) => {
      for (const [conventions, failureReason] of [
        [kubernautConventions, kubernaut],
        [roundhouseConventions, roundhouse],
      ] as const) {
        const result = pipelineRunResult(
          failedRun(reason, message, startTime),
          [],
          undefined,
          conventions,
        );
        expect(result).toMatchObject({ phase: 'Failed', reason, message, started: startTime });
        expect(result.failureReason, conventions.labelPrefix).toBe(failureReason);
      }
    },
  );
});

describe("kubernaut's failure reason mapping table (controller_test.go, ExtractFailureDetails)", () => {
  /** Its PipelineRun: only a Succeeded=False condition, and a start time; no TaskRuns. */
  const failedRun = (reason: string, message: string): PipelineRunState => ({
    status: {
      conditions: [succeeded('False', reason, message)],
      startTime: '2026-12-03T10:00:00Z',
    },
  });

  it.each([
    ['Failed', 'Container killed: OOMKilled', 'OOMKilled'],
    ['Failed', 'task failed due to oom', 'OOMKilled'],
    ['Failed', 'Exit code 137 - OOMkilled by kernel', 'OOMKilled'],
    ['PipelineRunTimeout', 'Pipeline timed out', 'DeadlineExceeded'],
    ['Failed', 'Task timeout exceeded', 'DeadlineExceeded'],
    ['Failed', 'deadline exceeded for task', 'DeadlineExceeded'],
    ['Failed', 'RBAC: forbidden to create pods', 'Forbidden'],
    ['Failed', 'rbac error occurred', 'Forbidden'],
    ['Failed', 'permission denied for resource', 'Forbidden'],
    ['Failed', 'exceeded quota for namespace', 'ResourceExhausted'],
    ['Failed', 'resource exhausted in cluster', 'ResourceExhausted'],
    ['Failed', 'ImagePullBackOff: image not found', 'ImagePullBackOff'],
    ['Failed', 'failed to image pull from registry', 'ImagePullBackOff'],
    ['Failed', 'invalid parameter value', 'ConfigurationError'],
    ['Failed', 'configuration error in pipeline', 'ConfigurationError'],
    ['Failed', 'Some unknown error occurred', 'Unknown'],
    ['Failed', '', 'Unknown'],
    ['TaskRunFailed', 'Task exited with code 1', 'Unknown'],
    // Its ExtractFailureDetails cases beside the table.
    ['Failed', 'RBAC: permission denied - forbidden', 'Forbidden'],
    ['PipelineRunTimeout', 'PipelineRun timeout exceeded', 'DeadlineExceeded'],
    ['Failed', 'Some unknown error', 'Unknown'],
  ] as const)('%s (%j) reads %s with the kubernaut preset', (reason, message, expected) => {
    const result = pipelineRunResult(
      failedRun(reason, message),
      [],
      undefined,
      kubernautConventions,
    );
    expect(result).toMatchObject({ phase: 'Failed', reason, started: true });
    expect(result.failureReason ?? 'Unknown').toBe(expected);
  });
});

describe('words of the message, with the kubernaut preset', () => {
  const failed = (reason: string, message: string, children: ReturnType<typeof child>[] = []) =>
    pipelineRun(succeeded('False', reason, message), children);

  it("classify no run a failed TaskRun explains: its reason and steps say more than the run's words", () => {
    const message = 'Tasks Completed: 1 (Failed: 1), forbidden by quota, image pull timeout';
    const result = pipelineRunResult(
      failed('Failed', message, [child('build')]),
      [taskRun('build', 'False', [exited('compile', 2, 'Error')], 'Failed', 'oom')],
      undefined,
      kubernautConventions,
    );
    expect(result).toMatchObject({ failureReason: 'TaskFailed', failedTaskName: 'wfe-1-build' });
    const oom = pipelineRunResult(
      failed('Failed', message, [child('build')]),
      [taskRun('build', 'False', [], 'StepOOM', 'it broke')],
      undefined,
      kubernautConventions,
    );
    expect(oom.failureReason).toBe('OOMKilled');
  });

  it.each([
    ['CouldntGetPipeline', 'oom while resolving the bundle', 'ConfigurationError'],
    ['PipelineRunTimeout', 'forbidden', 'DeadlineExceeded'],
    ['TaskRunImagePullFailed', 'forbidden', 'ImagePullBackOff'],
  ])('classify no run whose reason %s classifies it (%s): %s', (reason, message, failureReason) => {
    const result = pipelineRunResult(failed(reason, message), [], undefined, kubernautConventions);
    expect(result.failureReason).toBe(failureReason);
  });

  it('leave a cancelled run unclassified', () => {
    const result = pipelineRunResult(
      failed('Cancelled', 'PipelineRun "x" was cancelled: task failed, timeout'),
      [],
      undefined,
      kubernautConventions,
    );
    expect(result).not.toHaveProperty('failureReason');
  });

  it('never say a run none of whose tasks failed did not run once a task ran', () => {
    const result = pipelineRunResult(
      failed('Failed', 'exceeded quota: compute resources', [child('drain'), child('restart')]),
      [taskRun('drain', 'True', [exited('apply', 0, 'Completed')])],
      undefined,
      kubernautConventions,
    );
    expect(result).toMatchObject({ failureReason: 'TaskFailed', started: true });
    const noneRan = pipelineRunResult(
      failed('Failed', 'exceeded quota: compute resources', [child('restart')]),
      [],
      undefined,
      kubernautConventions,
    );
    expect(noneRan).toMatchObject({ failureReason: 'ResourceExhausted', started: true });
  });

  it('read an empty message as kubernaut does, with the reason alone', () => {
    const run: PipelineRunState = {
      status: { conditions: [{ type: 'Succeeded', status: 'False', reason: 'TaskFailed' }] },
    };
    expect(pipelineRunResult(run, [], undefined, kubernautConventions).failureReason).toBe(
      'TaskFailed',
    );
    const noReason: PipelineRunState = {
      status: { conditions: [{ type: 'Succeeded', status: 'False' }] },
    };
    expect(pipelineRunResult(noReason, [], undefined, kubernautConventions).failureReason).toBe(
      'Unknown',
    );
  });
});

describe('start and completion', () => {
  it("carries Tekton's completion time on a finished run", () => {
    const completionTime = '2026-12-03T10:05:07Z';
    for (const status of ['True', 'False']) {
      const result = pipelineRunResult({
        status: {
          conditions: [succeeded(status, status === 'True' ? 'Succeeded' : 'Failed')],
          startTime: '2026-12-03T10:00:00Z',
          completionTime,
        },
      });
      expect(result).toMatchObject({ completionTime, started: true });
      expect(() => ExecutionResultSchema.parse(result)).not.toThrow();
    }
  });

  it('carries no completion time while the run goes on, nor one that is no time', () => {
    const running = pipelineRunResult({
      status: {
        conditions: [succeeded('Unknown', 'Running')],
        completionTime: '2026-12-03T10:05:07Z',
      },
    });
    expect(running).not.toHaveProperty('completionTime');
    const garbled = pipelineRunResult({
      status: { conditions: [succeeded('False', 'Failed')], completionTime: 'yesterday' },
    });
    expect(garbled).not.toHaveProperty('completionTime');
    expect(pipelineRunResult(pipelineRun(succeeded('True')))).not.toHaveProperty('completionTime');
  });

  it.each([
    ['CouldntGetPipeline', 'ConfigurationError'],
    ['PipelineValidationFailed', 'ConfigurationError'],
    ['Cancelled', undefined],
  ])(
    'reports a run failed with reason %s not started only without a start time and any child, so no task ran',
    (reason, failureReason) => {
      const alone = pipelineRunResult(pipelineRun(succeeded('False', reason)));
      expect(alone).toMatchObject({ started: false });
      expect(alone.failureReason).toBe(failureReason);
      const afterATask = pipelineRunResult(
        pipelineRun(succeeded('False', reason), [child('drain')]),
        [taskRun('drain', 'False', [exited('apply', 1, 'Error')], 'Failed')],
      );
      expect(afterATask.started).toBe(true);
      expect(afterATask.failureReason).toBe(failureReason && 'TaskFailed');
    },
  );

  it('counts a start time or any child run as started', () => {
    expect(pipelineRunResult(pipelineRun(succeeded('False', 'Failed'))).started).toBe(false);
    expect(
      pipelineRunResult({
        status: { conditions: [succeeded('False', 'Failed')], startTime: '2026-12-03T10:00:00Z' },
      }).started,
    ).toBe(true);
    expect(
      pipelineRunResult(pipelineRun(succeeded('False', 'Failed'), [child('approve', 'CustomRun')]))
        .started,
    ).toBe(true);
  });
});

describe('explainTaskFailure', () => {
  it('skips children whose TaskRun is missing or has not failed', () => {
    expect(
      explainTaskFailure(pipelineRun(succeeded('False'), [child('gone'), child('ok')]), [
        taskRun('ok', 'True'),
      ]),
    ).toBeUndefined();
  });
});

describe('isPipelineRunFinished', () => {
  it('is true only once Succeeded is True or False', () => {
    expect(isPipelineRunFinished(pipelineRun(succeeded('True', 'Succeeded')))).toBe(true);
    expect(isPipelineRunFinished(pipelineRun(succeeded('False', 'Cancelled')))).toBe(true);
    expect(isPipelineRunFinished(pipelineRun(succeeded('Unknown', 'Cancelled')))).toBe(false);
    expect(isPipelineRunFinished(pipelineRun())).toBe(false);
  });
});
