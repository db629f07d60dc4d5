import { describe, expect, it } from 'vitest';
import {
  awaitingPostStop,
  hookDue,
  hookFinished,
  hookKillDue,
  hookKilled,
  hookLaunched,
  hookStartFailed,
} from './hook-lifecycle.js';
import { newRecord, observe, removable, started } from './task-lifecycle.js';
import type { TaskRecord } from './task-record.js';
import { snapshotFromRecord } from './task-snapshot.js';

const t0 = new Date('2026-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const shim = { pid: 100, startTicks: '5000', bootId: 'boot' };
const hookShim = { pid: 200, startTicks: '6000', bootId: 'boot' };
const hook = { exec: { command: ['sh', '-c', 'x'] }, timeoutSeconds: 5 };

function pending(lifecycle: TaskRecord['process']['lifecycle']): TaskRecord {
  return newRecord({ name: 't', process: { command: ['true'], lifecycle } }, 'uid', t0);
}

describe('a preStart hook', () => {
  const record = pending({ preStart: hook });

  it('is due while the task is pending and not deleted, and only once', () => {
    expect(hookDue(record, 'preStart', false)).toBe(true);
    expect(hookDue({ ...record, deletionTimestamp: t0.toISOString() }, 'preStart', false)).toBe(
      false,
    );
    expect(hookDue(hookLaunched(record, 'preStart', hookShim, t0), 'preStart', false)).toBe(false);
    expect(hookDue(pending(undefined), 'preStart', false)).toBe(false);
  });

  it('that completes leaves the task pending, for its command to start', () => {
    const ran = hookLaunched(record, 'preStart', hookShim, t0);
    const done = hookFinished(ran, 'preStart', { exit: { code: 0 }, output: 'ok' }, at(1));
    expect(done).toMatchObject({
      state: 'Pending',
      hooks: { preStart: { reason: 'PreStartHookCompleted' } },
    });
  });

  it('that fails ends the task as Failed with PreStartHookFailed and exit code 1', () => {
    const ran = hookLaunched(record, 'preStart', hookShim, t0);
    const failed = hookFinished(ran, 'preStart', { exit: { code: 3 }, output: 'no disk' }, at(1));
    expect(failed).toMatchObject({
      state: 'Failed',
      reason: 'PreStartHookFailed',
      exitCode: 1,
      message: 'preStart hook exited with code 3; output: no disk',
      hooks: { preStart: { reason: 'PreStartHookFailed', exitCode: 3 } },
    });
    expect(hookDue(failed, 'preStart', false)).toBe(false);
  });

  it('that cannot be launched fails the task the same way', () => {
    expect(
      hookStartFailed(record, 'preStart', 'could not be started: no nsenter', t0),
    ).toMatchObject({
      state: 'Failed',
      reason: 'PreStartHookFailed',
      exitCode: 1,
    });
  });

  it('is killed at its timeout, and reported as timed out', () => {
    const ran = hookLaunched(record, 'preStart', hookShim, t0);
    expect(hookKillDue(ran, 'preStart', at(4))).toBeUndefined();
    expect(hookKillDue(ran, 'preStart', at(5))).toBe('Timeout');
    const killed = hookKilled(ran, 'preStart', 'Timeout', at(5));
    expect(hookKillDue(killed, 'preStart', at(9))).toBeUndefined();
    expect(hookFinished(killed, 'preStart', { output: '' }, at(6))).toMatchObject({
      reason: 'PreStartHookFailed',
      message: 'preStart hook timed out after 5s; its process group was killed',
    });
  });

  it('is killed at once when the task is deleted, and keeps the task until it ended', () => {
    const ran = hookLaunched(record, 'preStart', hookShim, t0);
    const deleted = { ...ran, deletionTimestamp: at(1).toISOString() };
    expect(hookKillDue(deleted, 'preStart', at(1))).toBe('Deleted');
    expect(removable(deleted, false)).toBe(false);
  });

  it('killed for a deletion ends the task as stopped before its command ran, not as a failed hook', () => {
    const ran = hookLaunched(record, 'preStart', hookShim, t0);
    const deleted = { ...ran, deletionTimestamp: at(1).toISOString() };
    const killed = hookKilled(deleted, 'preStart', 'Deleted', at(1));
    const ended = hookFinished(killed, 'preStart', { output: '' }, at(2));
    expect(ended).toMatchObject({
      state: 'Failed',
      reason: 'Stopped',
      exitCode: 143,
      commandStarted: false,
      hooks: { preStart: { reason: 'PreStartHookFailed' } },
    });
    expect(snapshotFromRecord(ended).started).toBe(false);
  });
});

describe('a postStop hook', () => {
  const record = started(pending({ postStop: hook }), shim, t0);
  const exited = (code: number) => observe(record, { exit: { code, at: at(2) }, shimAlive: false });

  it('is due once the command has ended and its group is gone, not before', () => {
    expect(hookDue(record, 'postStop', false)).toBe(false);
    expect(hookDue(exited(0), 'postStop', true)).toBe(false);
    expect(hookDue(exited(0), 'postStop', false)).toBe(true);
  });

  it('is due for a task deleted before its command started', () => {
    const never = { ...pending({ postStop: hook }), deletionTimestamp: t0.toISOString() };
    expect(hookDue(never, 'postStop', false)).toBe(true);
  });

  it('keeps a finished task reported as running, and a deleted one, until it has ended', () => {
    const ran = hookLaunched(exited(0), 'postStop', hookShim, at(2));
    expect(awaitingPostStop(exited(0))).toBe(true);
    expect(awaitingPostStop(ran)).toBe(true);
    expect(removable({ ...ran, deletionTimestamp: at(2).toISOString() }, false)).toBe(false);
    const done = hookFinished(ran, 'postStop', { exit: { code: 0 }, output: '' }, at(3));
    expect(awaitingPostStop(done)).toBe(false);
    expect(done).toMatchObject({
      state: 'Succeeded',
      exitCode: 0,
      hooks: { postStop: { reason: 'PostStopHookCompleted' } },
    });
    expect(hookDue(done, 'postStop', false)).toBe(false);
    expect(removable({ ...done, deletionTimestamp: at(2).toISOString() }, false)).toBe(true);
  });

  it('that fails turns a success into PostStopHookFailed with exit code 1', () => {
    const ran = hookLaunched(exited(0), 'postStop', hookShim, at(2));
    expect(hookFinished(ran, 'postStop', { exit: { code: 2 }, output: '' }, at(3))).toMatchObject({
      state: 'Failed',
      reason: 'PostStopHookFailed',
      exitCode: 1,
      hooks: { postStop: { reason: 'PostStopHookFailed', exitCode: 2 } },
    });
  });

  it("that fails leaves a failed task's own reason and exit code", () => {
    const ran = hookLaunched(exited(4), 'postStop', hookShim, at(2));
    expect(hookFinished(ran, 'postStop', { exit: { code: 2 }, output: '' }, at(3))).toMatchObject({
      state: 'Failed',
      reason: 'Failed',
      exitCode: 4,
      message: 'the process exited with code 4; postStop hook exited with code 2',
    });
  });

  it('whose shim vanished without a status is failed, never run again', () => {
    const ran = hookLaunched(exited(0), 'postStop', hookShim, at(2));
    const lost = hookFinished(ran, 'postStop', { output: '' }, at(3));
    expect(lost.hooks?.postStop).toMatchObject({ reason: 'PostStopHookFailed' });
    expect(lost.hooks?.postStop?.message).toContain('not run again');
    expect(hookDue(lost, 'postStop', false)).toBe(false);
  });
});
