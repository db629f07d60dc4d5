import { createColors } from 'picocolors';
import { describe, expect, it } from 'vitest';
import { failedRun } from '../../test/task-fixtures.js';
import { renderTable } from '../table.js';
import { endLine, liveRunFrame, newMilestones, runExitCode } from './progress.js';
import { storedRun } from './stored-run.js';
import { describeTaskRun, type TaskObject, type TaskRunObject, taskColumns } from './views.js';

const now = new Date('2026-01-02T03:01:00Z');

/**
 * The failed run as a looser TaskRun CRD lets it be stored: text fields that are objects or
 * numbers, lists that are none, a step that is null.
 */
const looseRun = {
  ...failedRun,
  spec: { taskRef: { name: { x: 1 } }, params: { target: 'prod' }, timeout: 600 },
  status: {
    ...failedRun.status,
    phase: 'Failed',
    reason: 42,
    message: { text: 'exit\u001b[2J' },
    stepStatuses: [null, { name: 7, state: 'Failed', exitCode: 3, reason: ['Error'] }],
  },
} as unknown as TaskRunObject;

describe('storedRun', () => {
  it('lets describe show a looser CRD’s values as their JSON, escaped, where it threw', () => {
    expect(describeTaskRun(storedRun(looseRun), now)).toBe(
      [
        'Name:      deploy-run-x7k2p',
        'Namespace: ci',
        'Created:   2026-01-02T03:00:00Z (60s ago)',
        'Task:      {"x":1}',
        'Timeout:   600',
        'Phase:     Failed',
        'Reason:    42',
        'Message:   {"text":"exit\\u001b[2J"}',
        'Failure:   TaskFailed',
        'Pod:       wfe-0123',
        'Started:   2026-01-02T03:00:01Z',
        'Completed: 2026-01-02T03:00:09Z',
        'Duration:  8s',
        'Steps:',
        '  STEP   STATE    EXIT   DURATION   REASON',
        '  7      Failed   3                 ["Error"]',
        '',
      ].join('\n'),
    );
  });

  it('lets a follow read the end of a run whose steps are no list, where it threw', () => {
    // The follow prints the new milestones before it looks at the phase: a throw there, inside
    // the informer's handler, left it waiting for an end it had been shown.
    const run = storedRun({
      ...looseRun,
      status: { ...looseRun.status, stepStatuses: { plan: 'Succeeded' } },
    } as unknown as TaskRunObject);
    expect(newMilestones(new Map(), run)).toEqual([]);
    expect(endLine(run, now)).toBe(
      'TaskRun deploy-run-x7k2p Failed in 8s: 42: {"text":"exit\\u001b[2J"}',
    );
    expect(runExitCode(run)).toBe(1);
    expect(
      liveRunFrame(storedRun(looseRun), { now, tick: 0, colors: createColors(false) }),
    ).toContain('TaskRun deploy-run-x7k2p (task {"x":1}): Failed');
  });

  it('leaves a run the controller has not taken up without a status', () => {
    const { status: _, ...unclaimed } = failedRun;
    expect(storedRun(unclaimed).status).toBeUndefined();
  });
});

describe('taskColumns', () => {
  it('lists a Task whose steps and params a looser CRD stored as no list', () => {
    const task = {
      metadata: { name: 'odd', creationTimestamp: '2026-01-02T03:00:00Z' },
      spec: { steps: { build: {} }, params: [null, { name: 'x', default: 1 }] },
    } as unknown as TaskObject;
    expect(renderTable(taskColumns(now), [task])).toBe(
      ['NAME   STEPS   PARAMS   PARALLEL   AGE', 'odd            x=1      false      60s'].join(
        '\n',
      ),
    );
  });
});
