import type { TaskRecord } from '@roundhouse/process';
import { describe, expect, it } from 'vitest';
import {
  type AttemptRef,
  attemptOfTask,
  observeTask,
  taskName,
  taskRequest,
  tasksToStop,
} from './task.js';

const ref: AttemptRef = { namespace: 'ops', name: 'ls', uid: 'u-1', generation: 3, attempt: 2 };

function record(overrides: Partial<TaskRecord> & { ref?: AttemptRef } = {}): TaskRecord {
  const { ref: of = ref, ...rest } = overrides;
  const request = taskRequest(of, { command: 'ls -a' });
  return {
    version: 1,
    name: request.name,
    uid: `task-${request.name}`,
    labels: request.labels,
    process: request.process,
    createdAt: '2026-03-04T05:06:07.000Z',
    state: 'Running',
    reason: 'Running',
    ...rest,
  };
}

describe('tasks of attempts', () => {
  it('are named for the incarnation, generation and attempt, so a restart finds them', () => {
    expect(taskName(ref)).toBe('dx-u-1-g3-a2');
    expect(taskName({ ...ref, attempt: 3 })).not.toBe(taskName(ref));
  });

  it('run the argv with the attempt in the environment and the timeout', () => {
    const request = taskRequest(ref, { shell: 'echo hi', timeoutSeconds: 30 });
    expect(request.process).toEqual({
      command: ['/bin/sh', '-c', 'echo hi'],
      env: [
        { name: 'DISTEXEC_NAMESPACE', value: 'ops' },
        { name: 'DISTEXEC_NAME', value: 'ls' },
        { name: 'DISTEXEC_GENERATION', value: '3' },
        { name: 'DISTEXEC_ATTEMPT', value: '2' },
      ],
      timeoutSeconds: 30,
    });
    expect(attemptOfTask(record())).toEqual(ref);
    expect(attemptOfTask({ ...record(), labels: {} })).toBeUndefined();
  });

  it('to stop: all of the DistExec but the one kept, never another DistExec or incarnation', () => {
    const current = record();
    const older = record({ ref: { ...ref, generation: 2, attempt: 1 } });
    const previous = record({ ref: { ...ref, attempt: 1 } });
    const deleting = record({
      ref: { ...ref, attempt: 4 },
      deletionTimestamp: '2026-03-04T05:06:08.000Z',
    });
    const other = record({ ref: { ...ref, name: 'other' } });
    const reborn = record({ ref: { ...ref, uid: 'u-2' } });
    const all = [current, older, previous, deleting, other, reborn];
    const target = { namespace: 'ops', name: 'ls', uid: 'u-1' };
    expect(tasksToStop(all, target, { generation: 3, attempt: 2 })).toEqual([older, previous]);
    expect(tasksToStop(all, target)).toEqual([current, older, previous]);
    // Gone, uid unknown: every incarnation of that name.
    expect(tasksToStop(all, { namespace: 'ops', name: 'ls' })).toEqual([
      current,
      older,
      previous,
      reborn,
    ]);
  });
});

describe('observeTask', () => {
  const output = {
    stdout: { content: 'out', size: 3, truncated: false },
    stderr: { content: 'rr', size: 300, truncated: true },
  };
  const finished = {
    startedAt: '2026-03-04T05:06:07.123Z',
    finishedAt: '2026-03-04T05:06:09.456Z',
  };

  it('no task, or one that runs', () => {
    expect(observeTask(undefined)).toEqual({ kind: 'none' });
    expect(observeTask(record({ state: 'Pending', reason: 'Pending' }))).toEqual({
      kind: 'running',
    });
    expect(observeTask(record())).toEqual({ kind: 'running' });
  });

  it('a success, with its output and times in whole seconds', () => {
    const task = record({ state: 'Succeeded', reason: 'Succeeded', exitCode: 0, ...finished });
    expect(observeTask(task, output)).toEqual({
      kind: 'finished',
      outcome: {
        succeeded: true,
        reason: 'Completed',
        exitCode: 0,
        startedAt: '2026-03-04T05:06:07Z',
        finishedAt: '2026-03-04T05:06:09Z',
        stdout: 'out',
        stderr: 'rr',
        outputTruncated: true,
      },
    });
  });

  it("a failure or a timeout, with the supervisor's reason, exit code and message", () => {
    const timeout = record({
      state: 'Failed',
      reason: 'Timeout',
      exitCode: 137,
      message: 'exceeded its timeout of 1s',
      ...finished,
    });
    expect(observeTask(timeout)).toMatchObject({
      kind: 'finished',
      outcome: {
        succeeded: false,
        reason: 'Timeout',
        exitCode: 137,
        message: 'exceeded its timeout of 1s',
      },
    });
  });

  it('an outcome the supervisor could not know is Lost', () => {
    const lost = record({ state: 'Unknown', reason: 'Lost', message: 'shim killed' });
    expect(observeTask(lost)).toMatchObject({
      kind: 'finished',
      outcome: { succeeded: false, reason: 'Lost', message: 'shim killed' },
    });
  });
});
