import { ExecutionResultSchema } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { type PipelineRunState, pipelineRunResult, type TaskRunState } from './status.js';
import { explainStuckStart, startFailedResult } from './stuck-start.js';

const quotaMessage =
  'TaskRun Pod exceeded available resources: pods "wfe-1-build-pod" is forbidden: exceeded quota: no-pods, requested: pods=1, used: pods=0, limited: pods=0';

/** That message as a failure quotes it: the quota and resource, not the namespace's usage. */
const quotedQuotaMessage =
  'TaskRun Pod exceeded available resources: pods "wfe-1-build-pod" is forbidden: exceeded quota: no-pods, resources: pods';

const running = (tasks: readonly string[], kind = 'TaskRun'): PipelineRunState => ({
  status: {
    conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }],
    startTime: '2026-01-01T00:00:00Z',
    childReferences: tasks.map((task) => ({ kind, name: `wfe-1-${task}`, pipelineTaskName: task })),
  },
});

/** A TaskRun as Tekton leaves it: Unknown with `reason` (its pod refused for a quota, or else). */
const taskRun = (task: string, reason: string, status = 'Unknown'): TaskRunState => ({
  metadata: { name: `wfe-1-${task}` },
  status: {
    conditions: [
      {
        type: 'Succeeded',
        status,
        reason,
        ...(reason === 'ExceededResourceQuota' ? { message: quotaMessage } : {}),
      },
    ],
  },
});

describe('explainStuckStart', () => {
  it('explains a run whose every TaskRun had its pod refused for a quota, naming the first', () => {
    const stuck = explainStuckStart(running(['lint', 'build']), [
      taskRun('lint', 'ExceededResourceQuota'),
      taskRun('build', 'ExceededResourceQuota'),
    ]);
    expect(stuck).toEqual({
      reason: 'ResourceExhausted',
      taskRunName: 'wfe-1-lint',
      taskRunIndex: 0,
      description: `TaskRun wfe-1-lint (pipeline task lint) cannot start: ExceededResourceQuota: ${quotedQuotaMessage}`,
    });
  });

  it("quotes the quota refusal without the namespace's usage, which other executions' pods make up", () => {
    const refused = taskRun('build', 'ExceededResourceQuota');
    const condition = {
      type: 'Succeeded',
      status: 'Unknown',
      reason: 'ExceededResourceQuota',
      message:
        'TaskRun Pod exceeded available resources: pods "wfe-1-build-pod" is forbidden: exceeded quota: shared, requested: limits.memory=1Gi,requests.cpu=500m, used: limits.memory=63Gi,requests.cpu=31500m, limited: limits.memory=64Gi,requests.cpu=32',
    };
    const stuck = explainStuckStart(running(['build']), [
      { ...refused, status: { ...refused.status, conditions: [condition] } },
    ]);
    expect(stuck?.description).toBe(
      'TaskRun wfe-1-build (pipeline task build) cannot start: ExceededResourceQuota: TaskRun Pod exceeded available resources: pods "wfe-1-build-pod" is forbidden: exceeded quota: shared, resources: limits.memory,requests.cpu',
    );
  });

  it.each([
    ['runs', taskRun('build', 'Running')],
    [
      'waits for its pod to be scheduled on a node an autoscaler may add',
      taskRun('build', 'ExceededNodeResources'),
    ],
    ['waits for its pod', taskRun('build', 'Pending')],
    ['succeeded', taskRun('build', 'Succeeded', 'True')],
  ])('waits while another TaskRun %s', (_what, other) => {
    expect(
      explainStuckStart(running(['lint', 'build']), [
        taskRun('lint', 'ExceededResourceQuota'),
        other,
      ]),
    ).toBeUndefined();
  });

  it('waits while a TaskRun refused a quota is a retry of an attempt that ran', () => {
    // Tekton's retryTaskRun keeps the attempt in retriesStatus and sets the TaskRun Unknown with
    // no start time again; its next pod meets the same quota. The steps it keeps are the
    // attempt's, which a cache may have dropped.
    const earlier = {
      conditions: [{ type: 'Succeeded', status: 'False', reason: 'Failed' }],
      podName: 'wfe-1-build-pod',
      steps: [{ name: 'run', terminated: { exitCode: 1, reason: 'Error' } }],
    };
    const retried = (steps: NonNullable<TaskRunState['status']>['steps']): TaskRunState => {
      const refused = taskRun('build', 'ExceededResourceQuota');
      return { ...refused, status: { ...refused.status, retriesStatus: [earlier], steps } };
    };
    for (const steps of [[], earlier.steps]) {
      expect(explainStuckStart(running(['build']), [retried(steps)])).toBeUndefined();
      expect(
        explainStuckStart(running(['lint', 'build']), [
          taskRun('lint', 'ExceededResourceQuota'),
          retried(steps),
        ]),
      ).toBeUndefined();
    }
  });

  it('waits while a child is not among the TaskRuns read', () => {
    expect(
      explainStuckStart(running(['lint', 'build']), [taskRun('lint', 'ExceededResourceQuota')]),
    ).toBeUndefined();
  });

  it('waits while a child is no TaskRun', () => {
    expect(
      explainStuckStart(running(['lint'], 'CustomRun'), [taskRun('lint', 'ExceededResourceQuota')]),
    ).toBeUndefined();
  });

  it('has nothing to explain for a run without children', () => {
    expect(explainStuckStart(running([]), [])).toBeUndefined();
  });
});

describe('startFailedResult', () => {
  it('fails the run as the job engine fails a Job that cannot start, saying nothing ran', () => {
    const state = running(['lint', 'build']);
    const taskRuns = [
      taskRun('lint', 'ExceededResourceQuota'),
      taskRun('build', 'ExceededResourceQuota'),
    ];
    const stuck = explainStuckStart(state, taskRuns);
    if (!stuck) throw new Error('not stuck');
    const result = startFailedResult(pipelineRunResult(state, taskRuns), stuck);
    const description = `TaskRun wfe-1-lint (pipeline task lint) cannot start: ExceededResourceQuota: ${quotedQuotaMessage}`;
    expect(result).toEqual({
      phase: 'Failed',
      reason: 'StartFailed',
      message: description,
      summary: {
        status: 'False',
        reason: 'StartFailed',
        message: description,
        completedTasks: 0,
        totalTasks: 2,
      },
      failureReason: 'ResourceExhausted',
      failedTaskName: 'wfe-1-lint',
      failedTaskIndex: 0,
      started: false,
    });
    expect(ExecutionResultSchema.parse(result)).toEqual(result);
  });
});
