import { describe, expect, it } from 'vitest';
import { hookFinished, hookKilled, hookLaunched, hookStartFailed } from './hook-lifecycle.js';
import { newRecord, observe, started, startFailed } from './task-lifecycle.js';
import type { TaskRecord } from './task-record.js';
import { executionResult } from './task-result.js';
import { snapshotFromRecord, snapshotFromWire } from './task-snapshot.js';
import { toWireTask, WireTaskSchema } from './wire-task.js';

const t0 = new Date('2026-01-01T10:00:00.250Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const shim = { pid: 9, startTicks: '1', bootId: 'b' };
const pending = newRecord({ name: 't1', process: { command: ['true'] } }, 'uid-1', t0);
const running = started(pending, shim, t0);

/** The snapshot of a record, read in-process and read back from the agent's answer. */
function bothWays(record: TaskRecord) {
  const wire = WireTaskSchema.parse(JSON.parse(JSON.stringify(toWireTask(record))));
  return [snapshotFromRecord(record), snapshotFromWire(wire)];
}

describe('when a task started and ended, as a snapshot says it', () => {
  it('has not started while it waits, and has once it runs', () => {
    for (const snapshot of bothWays(pending)) expect(snapshot).toMatchObject({ started: false });
    for (const snapshot of bothWays(running)) {
      expect(snapshot).toMatchObject({ started: true });
      expect(snapshot.finishedAt).toBeUndefined();
    }
  });

  it('was created when its record was, in whole seconds, in-process and over the wire', () => {
    for (const snapshot of bothWays(running)) {
      expect(snapshot).toMatchObject({ createdAt: '2026-01-01T10:00:00Z' });
    }
  });

  it('ended at its exit, in whole seconds', () => {
    const exited = observe(running, { exit: { code: 3, at: at(5.7) }, shimAlive: false });
    for (const snapshot of bothWays(exited)) {
      expect(snapshot).toMatchObject({ started: true, finishedAt: '2026-01-01T10:00:05Z' });
    }
  });

  it('never started when it could not be started, or its preStart hook failed', () => {
    const couldNot = startFailed(pending, 'workingDir /x does not exist', at(1));
    const withHook = {
      ...pending,
      process: { command: ['true'], lifecycle: { preStart: { exec: { command: ['false'] } } } },
    };
    const hookFailed = hookFinished(
      hookLaunched(withHook, 'preStart', shim, t0),
      'preStart',
      { exit: { code: 1 }, output: '' },
      at(2),
    );
    const hookNeverRan = hookStartFailed(withHook, 'preStart', 'could not be started', at(3));
    for (const [record, end] of [
      [couldNot, '2026-01-01T10:00:01Z'],
      [hookFailed, '2026-01-01T10:00:02Z'],
      [hookNeverRan, '2026-01-01T10:00:03Z'],
    ] as const) {
      expect(record.state).toBe('Failed');
      for (const snapshot of bothWays(record)) {
        expect(snapshot).toMatchObject({ started: false, finishedAt: end });
      }
    }
  });

  it('ended when its postStop hook did, which is when its outcome was reported', () => {
    const withHook = {
      ...running,
      process: { command: ['true'], lifecycle: { postStop: { exec: { command: ['true'] } } } },
    };
    const exited = observe(withHook, { exit: { code: 0, at: at(5) }, shimAlive: false });
    const hookRunning = hookLaunched(exited, 'postStop', shim, at(6));
    for (const snapshot of bothWays(hookRunning)) {
      expect(snapshot).toMatchObject({ phase: 'Running', started: true });
      expect(snapshot.finishedAt).toBeUndefined();
    }
    const done = hookFinished(hookRunning, 'postStop', { exit: { code: 0 }, output: '' }, at(9));
    for (const snapshot of bothWays(done)) {
      expect(snapshot).toMatchObject({ phase: 'Succeeded', finishedAt: '2026-01-01T10:00:09Z' });
    }
  });

  it('did not start when a stop came between its go and its fork, in-process and over the wire', () => {
    const timing = started(
      { ...pending, process: { command: ['x'], timeoutSeconds: 1 } },
      shim,
      t0,
    );
    const stopping = {
      ...timing,
      stop: { cause: 'Timeout' as const, requestedAt: at(1).toISOString() },
    };
    const ended = observe(stopping, { shimAlive: false, stoppedBeforeStart: at(2) });
    for (const snapshot of bothWays(ended)) {
      expect(snapshot).toMatchObject({ phase: 'Failed', reason: 'Timeout', started: false });
      // Not DeadlineExceeded: a controller reads that as the workflow having run and failed.
      expect(executionResult(snapshot)).toMatchObject({
        phase: 'Failed',
        reason: 'Timeout',
        failureReason: 'Unknown',
        started: false,
        exitCode: 143,
      });
    }
  });

  it('did not start when it was deleted during its preStart hook, in-process and over the wire', () => {
    const withHook = {
      ...pending,
      process: { command: ['x'], lifecycle: { preStart: { exec: { command: ['sleep', '60'] } } } },
    };
    const hookRunning = hookLaunched(withHook, 'preStart', shim, t0);
    const deleted = { ...hookRunning, deletionTimestamp: at(1).toISOString() };
    const killed = hookKilled(deleted, 'preStart', 'Deleted', at(1));
    const ended = hookFinished(killed, 'preStart', { output: '' }, at(2));
    for (const snapshot of bothWays(ended)) {
      expect(snapshot).toMatchObject({ phase: 'Failed', reason: 'Stopped', started: false });
      // Not TaskFailed: a controller reads that as the workflow having run and failed.
      expect(executionResult(snapshot)).toMatchObject({
        phase: 'Failed',
        reason: 'Stopped',
        failureReason: 'Unknown',
        started: false,
      });
    }
  });

  it('started, when its outcome was lost, though when it ended is not known', () => {
    const lost = observe(running, { shimAlive: false });
    for (const snapshot of bothWays(lost)) {
      expect(snapshot).toMatchObject({ phase: 'Unknown', started: true });
      expect(snapshot.finishedAt).toBeUndefined();
    }
  });

  it("says nothing of another agent's Unknown", () => {
    const upstream = WireTaskSchema.parse({
      name: 'bsbx-0',
      processStatus: { waiting: { reason: 'Unknown' } },
    });
    expect(snapshotFromWire(upstream).started).toBeUndefined();
  });
});
