import { describe, expect, it } from 'vitest';
import {
  activeAfterSync,
  beginStop,
  killDue,
  killed,
  killPending,
  newRecord,
  observe,
  removable,
  rerunAfterLoss,
  started,
  startFailed,
  timeoutDue,
  timeoutDueIn,
} from './task-lifecycle.js';
import type { TaskRecord } from './task-record.js';

const t0 = new Date('2026-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const runtime = { pid: 100, startTicks: '5000', bootId: 'boot' };

function running(process: TaskRecord['process'] = { command: ['sleep', '60'] }): TaskRecord {
  return started(newRecord({ name: 't', process }, 'uid-1', t0), runtime, t0);
}

describe('a task that ends', () => {
  it('succeeds or fails by the exit status the shim wrote, finishing when it was written', () => {
    expect(observe(running(), { exit: { code: 0, at: at(3) }, shimAlive: false })).toMatchObject({
      state: 'Succeeded',
      reason: 'Succeeded',
      exitCode: 0,
      finishedAt: at(3).toISOString(),
    });
    expect(observe(running(), { exit: { code: 3, at: at(3) }, shimAlive: false })).toMatchObject({
      state: 'Failed',
      reason: 'Failed',
      exitCode: 3,
    });
  });

  it('names the signal a code above 128 most likely stands for, as a shell reports one', () => {
    const segfault = observe(running(), { exit: { code: 139, at: at(3) }, shimAlive: false });
    expect(segfault).toMatchObject({
      state: 'Failed',
      exitCode: 139,
      message: 'the process exited with code 139 (128 + 11: most likely killed by SIGSEGV)',
    });
    const past = observe(running(), { exit: { code: 255, at: at(3) }, shimAlive: false });
    expect(past.message).toBe('the process exited with code 255');
  });

  it('stays running while the shim lives and has written nothing', () => {
    const record = running();
    expect(observe(record, { shimAlive: true })).toBe(record);
  });

  it('stays running while processes of its group run on after the shim vanished', () => {
    const record = running();
    expect(observe(record, { shimAlive: false, groupAlive: true })).toBe(record);
  });

  it('is Unknown when the shim vanished without a status and nobody killed it', () => {
    expect(observe(running(), { shimAlive: false })).toMatchObject({
      state: 'Unknown',
      reason: 'Lost',
    });
  });

  it('ends as its stop when the shim vanished during the stop without a status', () => {
    const timedOut = beginStop(running({ command: ['x'], timeoutSeconds: 2 }), 'Timeout', at(2));
    expect(observe(timedOut, { shimAlive: false, goneBy: at(4) })).toMatchObject({
      state: 'Failed',
      reason: 'Timeout',
      exitCode: 137,
      finishedAt: at(4).toISOString(),
      message:
        'exceeded its timeout of 2s; the process ended during the stop without recording an exit status',
    });
    const deleted = beginStop(running(), 'Deleted', at(1));
    expect(observe(deleted, { shimAlive: false })).toMatchObject({
      state: 'Failed',
      reason: 'Stopped',
      finishedAt: at(1).toISOString(),
    });
  });

  it('is reported with 137 when it was killed after the grace period', () => {
    const record = killed(beginStop(running(), 'Deleted', at(1)), at(11));
    expect(observe(record, { shimAlive: false })).toMatchObject({
      state: 'Failed',
      reason: 'Stopped',
      exitCode: 137,
      signal: 9,
      finishedAt: at(11).toISOString(),
    });
  });

  it('reports a timeout as Timeout with 137, whatever the process exited with', () => {
    const record = beginStop(running({ command: ['x'], timeoutSeconds: 2 }), 'Timeout', at(2));
    expect(observe(record, { exit: { code: 143, at: at(2) }, shimAlive: false })).toMatchObject({
      state: 'Failed',
      reason: 'Timeout',
      exitCode: 137,
      message: 'exceeded its timeout of 2s; the process exited with code 143',
    });
  });

  it('leaves finished, pending and failed-to-start tasks alone', () => {
    const failed = startFailed(
      newRecord({ name: 't', process: { command: ['x'] } }, 'u', t0),
      'no',
      t0,
    );
    expect(failed).toMatchObject({ state: 'Failed', reason: 'StartFailed', exitCode: 128 });
    expect(observe(failed, { shimAlive: false })).toBe(failed);
  });
});

describe('a task whose shim never started its command', () => {
  const neverStarted = { shimAlive: false, neverStarted: true };

  it('is Pending again, without the shim it was recorded with, never Lost', () => {
    const record = running({ command: ['x'], timeoutSeconds: 5 });
    const pending = observe(record, neverStarted);
    expect(pending).toEqual(newRecord({ name: 't', process: record.process }, 'uid-1', t0));
    expect(pending.runtime).toBeUndefined();
    expect(timeoutDueIn(pending, at(60))).toBeUndefined();
  });

  it('keeps its deletion, which then removes it, and drops a stop that had nothing to stop', () => {
    const deleted = { ...running(), deletionTimestamp: at(1).toISOString() };
    const stopping = beginStop(deleted, 'Deleted', at(1));
    const pending = observe(stopping, neverStarted);
    expect(pending).toMatchObject({ state: 'Pending', deletionTimestamp: at(1).toISOString() });
    expect(pending.stop).toBeUndefined();
    expect(removable(pending, false)).toBe(true);
  });

  it('is not dropped by rerunLostTasks: it runs as it is', () => {
    expect(rerunAfterLoss(running(), observe(running(), neverStarted))).toBe(false);
  });
});

describe('a task a stop ended between its go and its fork', () => {
  const stoppedBeforeStart = { shimAlive: false, stoppedBeforeStart: at(3) };

  it('timed out ends as Timeout, with the code of its SIGTERM, saying its command never started', () => {
    const record = beginStop(running({ command: ['x'], timeoutSeconds: 2 }), 'Timeout', at(2));
    expect(observe(record, stoppedBeforeStart)).toMatchObject({
      state: 'Failed',
      reason: 'Timeout',
      exitCode: 143,
      commandStarted: false,
      finishedAt: at(3).toISOString(),
      message: 'exceeded its timeout of 2s before its command started; the command did not run',
    });
  });

  it('deleted ends as Stopped, never as the failure of a command, and is removable', () => {
    const deleted = { ...running(), deletionTimestamp: at(1).toISOString() };
    const ended = observe(beginStop(deleted, 'Deleted', at(1)), stoppedBeforeStart);
    expect(ended).toMatchObject({ state: 'Failed', reason: 'Stopped', commandStarted: false });
    expect(removable(ended, false)).toBe(true);
  });
});

describe('a task whose outcome was lost, at recovery', () => {
  const recover = (record: TaskRecord, observed: Parameters<typeof observe>[1]) =>
    rerunAfterLoss(record, observe(record, observed));
  const gone = { shimAlive: false };

  it('may be dropped to run again when it was running and left nothing: no status, no process', () => {
    expect(recover(running(), gone)).toBe(true);
  });

  it('is kept while a process of its group still runs', () => {
    expect(recover(running(), { shimAlive: false, groupAlive: true })).toBe(false);
  });

  it('is kept when its outcome is known or still coming', () => {
    expect(recover(running(), { exit: { code: 3, at: at(1) }, shimAlive: false })).toBe(false);
    expect(recover(running(), { exit: { code: 0, at: at(1) }, shimAlive: false })).toBe(false);
    expect(recover(running(), { shimAlive: true })).toBe(false);
  });

  it('is kept when it was being deleted or stopped', () => {
    expect(recover({ ...running(), deletionTimestamp: at(1).toISOString() }, gone)).toBe(false);
    expect(recover(beginStop(running(), 'Timeout', at(1)), gone)).toBe(false);
    expect(recover(killed(beginStop(running(), 'Deleted', at(1)), at(3)), gone)).toBe(false);
  });

  it('is kept when it was recorded terminal or never started', () => {
    const pending = newRecord({ name: 't', process: { command: ['true'] } }, 'uid-1', t0);
    const unknown = observe(running(), gone);
    const hookFailed: TaskRecord = {
      ...pending,
      state: 'Failed',
      reason: 'PreStartHookFailed',
      exitCode: 1,
    };
    for (const record of [pending, unknown, hookFailed]) {
      expect(rerunAfterLoss(record, observe(record, gone)), record.reason).toBe(false);
    }
  });
});

describe('timeouts and stops', () => {
  it('is due once timeoutSeconds have passed since the start, and only once', () => {
    const record = running({ command: ['x'], timeoutSeconds: 2 });
    expect(timeoutDue(record, at(1.9))).toBe(false);
    expect(timeoutDue(record, at(2))).toBe(true);
    expect(timeoutDue(beginStop(record, 'Timeout', at(2)), at(3))).toBe(false);
    expect(timeoutDue(running(), at(1e6))).toBe(false);
  });

  it('tells how long until the timeout is due, while one is pending', () => {
    const record = running({ command: ['x'], timeoutSeconds: 2 });
    expect(timeoutDueIn(record, at(0.5))).toBe(1500);
    expect(timeoutDueIn(record, at(5))).toBe(0);
    expect(timeoutDueIn(beginStop(record, 'Timeout', at(2)), at(1))).toBeUndefined();
    expect(timeoutDueIn(running(), at(0))).toBeUndefined();
  });

  it('keeps the first stop cause', () => {
    const record = beginStop(running(), 'Timeout', at(1));
    expect(beginStop(record, 'Deleted', at(2)).stop).toEqual(record.stop);
  });

  it('kills once the grace period has run out with the group alive, and once only', () => {
    const record = beginStop(running(), 'Deleted', at(0));
    expect(killDue(record, true, at(9.9), 10_000)).toBe(false);
    expect(killDue(record, true, at(10), 10_000)).toBe(true);
    expect(killDue(record, false, at(10), 10_000)).toBe(false);
    expect(killDue(killed(record, at(10)), true, at(20), 10_000)).toBe(false);
    expect(killDue(running(), true, at(20), 10_000)).toBe(false);
  });

  it('keeps killing, once the kill is recorded, while any of the group lives', () => {
    const stopping = beginStop(running(), 'Deleted', at(0));
    expect(killPending(stopping, true)).toBe(false);
    expect(killPending(killed(stopping, at(10)), true)).toBe(true);
    expect(killPending(killed(stopping, at(10)), false)).toBe(false);
  });
});

describe('removal of a deleted task', () => {
  const deleted = (record: TaskRecord) => ({ ...record, deletionTimestamp: at(1).toISOString() });

  it('waits until its process has ended and its group is empty', () => {
    const ended = observe(running(), { exit: { code: 0, at: at(1) }, shimAlive: false });
    expect(removable(deleted(running()), false)).toBe(false);
    expect(removable(deleted(ended), true)).toBe(false);
    expect(removable(deleted(ended), false)).toBe(true);
  });

  it('removes a task that never started, and never one that was not deleted', () => {
    expect(
      removable(deleted(newRecord({ name: 't', process: { command: ['x'] } }, 'u', t0)), false),
    ).toBe(true);
    expect(removable(observe(running(), { shimAlive: false }), false)).toBe(false);
  });
});

describe('the tasks a desired set leaves active', () => {
  const pending = newRecord({ name: 'p', process: { command: ['x'] } }, 'uid-p', t0);
  const done = observe(running(), { exit: { code: 0, at: at(1) }, shimAlive: false });
  const current = new Map<string, TaskRecord>([
    ['p', pending],
    ['r', { ...running(), name: 'r' }],
    ['d', { ...running(), name: 'd', deletionTimestamp: at(1).toISOString() }],
    ['f', { ...done, name: 'f' }],
  ]);

  it('counts kept active tasks and new names, not finished, deleting or dropped ones', () => {
    expect(activeAfterSync(current, new Set(['p', 'r', 'd', 'f']))).toBe(2);
    expect(activeAfterSync(current, new Set(['r', 'new']))).toBe(2);
    expect(activeAfterSync(current, new Set(['new']))).toBe(1);
    expect(activeAfterSync(current, new Set())).toBe(0);
  });
});
