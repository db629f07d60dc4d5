import { describe, expect, it } from 'vitest';
import type { TaskRunState } from './status.js';
import { taskRunMayHaveRun } from './task-run-ran.js';

const created = '2026-12-03T10:00:00Z';

const taskRun = (
  status: string,
  reason: string,
  steps: NonNullable<TaskRunState['status']>['steps'] = [],
  retriesStatus?: unknown[],
): TaskRunState => ({
  metadata: { name: 'wfe-1-build', creationTimestamp: created },
  status: {
    conditions: [{ type: 'Succeeded', status, reason }],
    steps,
    ...(retriesStatus ? { retriesStatus } : {}),
  },
});

/** A step Tekton ended with the TaskRun's reason when it failed it (`terminateStepsInPod`). */
const ended = (reason: string, startedAt: string | null) => ({
  name: 'run',
  terminationReason: reason,
  terminated: { exitCode: 1, reason, startedAt },
});

describe('taskRunMayHaveRun', () => {
  it.each([
    ['it succeeded', taskRun('True', 'Succeeded')],
    ['a step runs', taskRun('Unknown', 'Running', [{ name: 'run', running: {} }])],
    [
      'a step ended by itself, 0 included',
      taskRun('False', 'TaskRunImagePullFailed', [
        { name: 'prepare', terminated: { exitCode: 0, reason: 'Completed' } },
      ]),
    ],
    [
      'Tekton ended a step that had started',
      taskRun('False', 'TaskRunImagePullFailed', [
        ended('TaskRunImagePullFailed', '2026-12-03T10:00:04Z'),
      ]),
    ],
    ['Tekton retried it', taskRun('Unknown', 'ExceededResourceQuota', [], [{}])],
  ])('is true when %s', (_why, run) => {
    expect(taskRunMayHaveRun(run)).toBe(true);
  });

  it.each([
    ['it waits for its pod', taskRun('Unknown', 'Pending')],
    ['its pod was refused', taskRun('Unknown', 'ExceededResourceQuota')],
    [
      'Tekton ended its only step waiting (v0.70 and later)',
      taskRun('False', 'TaskRunImagePullFailed', [ended('TaskRunImagePullFailed', created)]),
    ],
    [
      'Tekton ended its only step waiting (before v0.70)',
      taskRun('False', 'CreateContainerConfigError', [ended('CreateContainerConfigError', null)]),
    ],
    [
      'the runtime could not start its container',
      taskRun('False', 'Failed', [
        { name: 'run', terminated: { exitCode: 128, reason: 'StartError' } },
      ]),
    ],
    [
      "Tekton's entrypoint skipped its step",
      taskRun('False', 'Failed', [
        { name: 'run', terminationReason: 'Skipped', terminated: { exitCode: 1, reason: 'Error' } },
      ]),
    ],
    [
      "one of Tekton's init containers failed, whatever its steps' statuses say",
      taskRun('False', 'InitContainerFailed', [
        { name: 'run', terminated: { exitCode: 137, reason: 'ContainerStatusUnknown' } },
      ]),
    ],
  ])('is false when %s', (_why, run) => {
    expect(taskRunMayHaveRun(run)).toBe(false);
  });
});
