import { describe, expect, it } from 'vitest';
import { explainRefusedChildRun, type RunEvent } from './refused-child-run.js';
import type { PipelineRunState, TaskRunState } from './status.js';

/** As Tekton v1.15.1 recorded it on a PipelineRun whose first TaskRun a quota refused. */
const quotaRefusal = (names: string[]): RunEvent => ({
  type: 'Warning',
  reason: 'TaskRunsCreationFailed',
  message: `Failed to create TaskRuns [${names.map((n) => `"${n}"`).join(' ')}]: taskruns.tekton.dev "${names[0]}" is forbidden: exceeded quota: no-taskruns, requested: count/taskruns.tekton.dev=1, used: count/taskruns.tekton.dev=0, limited: count/taskruns.tekton.dev=0`,
});

/** A run Tekton is running, with a child TaskRun for each of `tasks`. */
const running = (tasks: readonly string[], kind = 'TaskRun'): PipelineRunState => ({
  status: {
    conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'ResolvingTaskRef' }],
    startTime: '2026-01-01T00:00:00Z',
    childReferences: tasks.map((task) => ({ kind, name: `wfe-1-${task}`, pipelineTaskName: task })),
  },
});

const taskRun = (task: string, status: 'True' | 'False' | 'Unknown'): TaskRunState => ({
  metadata: { name: `wfe-1-${task}` },
  status: {
    conditions: [
      { type: 'Succeeded', status, reason: status === 'True' ? 'Succeeded' : 'Running' },
    ],
  },
});

describe('explainRefusedChildRun', () => {
  it('explains a run whose first TaskRun a quota refused as ResourceExhausted, nothing started', () => {
    const event = quotaRefusal(['wfe-1-build']);
    expect(explainRefusedChildRun(running([]), [], [event])).toEqual({
      reason: 'ResourceExhausted',
      taskRunName: 'wfe-1-build',
      description:
        'the PipelineRun cannot create its next run: Failed to create TaskRuns ["wfe-1-build"]: taskruns.tekton.dev "wfe-1-build" is forbidden: exceeded quota: no-taskruns, resources: count/taskruns.tekton.dev',
      started: false,
    });
  });

  it('says the workflow ran when the quota refused a TaskRun after one that succeeded', () => {
    const stuck = explainRefusedChildRun(
      running(['build']),
      [taskRun('build', 'True')],
      [quotaRefusal(['wfe-1-deploy'])],
    );
    expect(stuck).toMatchObject({
      reason: 'TaskFailed',
      taskRunName: 'wfe-1-deploy',
      started: true,
    });
  });

  it('names the refused run of a matrix that is not among the children', () => {
    const stuck = explainRefusedChildRun(
      running(['build-0']),
      [taskRun('build-0', 'True')],
      [quotaRefusal(['wfe-1-build-0', 'wfe-1-build-1'])],
    );
    expect(stuck?.taskRunName).toBe('wfe-1-build-1');
  });

  it.each([
    ['a child TaskRun still runs', running(['lint']), [taskRun('lint', 'Unknown')]],
    ['a child TaskRun is not among those read', running(['lint']), []],
    ['a child is a custom task run, which is not read', running(['lint'], 'CustomRun'), []],
  ])('waits while %s', (_what, run, taskRuns) => {
    expect(explainRefusedChildRun(run, taskRuns, [quotaRefusal(['wfe-1-build'])])).toBeUndefined();
  });

  it('passes over a refusal of a run that exists now: the quota let it pass later', () => {
    expect(
      explainRefusedChildRun(
        running(['build']),
        [taskRun('build', 'True')],
        [quotaRefusal(['wfe-1-build'])],
      ),
    ).toBeUndefined();
  });

  it('passes over a refusal of a run Tekton created since, before the PipelineRun lists it', () => {
    const event = quotaRefusal(['wfe-1-build']);
    for (const status of ['Unknown', 'True'] as const) {
      expect(explainRefusedChildRun(running([]), [taskRun('build', status)], [event])).toBe(
        undefined,
      );
    }
  });

  it('waits while a TaskRun of the run the PipelineRun does not list yet runs', () => {
    const event = quotaRefusal(['wfe-1-build-0', 'wfe-1-build-1']);
    expect(
      explainRefusedChildRun(running([]), [taskRun('build-0', 'Unknown')], [event]),
    ).toBeUndefined();
    // Once it has ended, the refusal of the other stands.
    expect(
      explainRefusedChildRun(running([]), [taskRun('build-0', 'True')], [event])?.taskRunName,
    ).toBe('wfe-1-build-1');
  });

  it.each([
    [
      'a quota the quota controller has not counted yet',
      {
        type: 'Warning',
        reason: 'TaskRunsCreationFailed',
        message:
          'Failed to create TaskRuns ["wfe-1-build"]: taskruns.tekton.dev "wfe-1-build" is forbidden: status unknown for quota: no-taskruns, resources: count/taskruns.tekton.dev',
      },
    ],
    [
      'an API server that timed out',
      {
        type: 'Warning',
        reason: 'TaskRunsCreationFailed',
        message:
          'Failed to create TaskRuns ["wfe-1-build"]: the server was unable to return a response in the time allotted, but may still be processing the request (post taskruns.tekton.dev)',
      },
    ],
    ['a Normal event', { ...quotaRefusal(['wfe-1-build']), type: 'Normal' }],
    ['another reason', { ...quotaRefusal(['wfe-1-build']), reason: 'InternalError' }],
  ])('waits on %s', (_what, event) => {
    expect(explainRefusedChildRun(running([]), [], [event])).toBeUndefined();
  });

  it('reads a CustomRun the quota refused alike', () => {
    const event = {
      type: 'Warning',
      reason: 'RunsCreationFailed',
      message:
        'Failed to create CustomRuns ["wfe-1-approve"]: customruns.tekton.dev "wfe-1-approve" is forbidden: exceeded quota: runs, requested: count/customruns.tekton.dev=1, used: count/customruns.tekton.dev=2, limited: count/customruns.tekton.dev=2',
    };
    expect(explainRefusedChildRun(running([]), [], [event])).toMatchObject({
      reason: 'ResourceExhausted',
      taskRunName: 'wfe-1-approve',
    });
  });
});
