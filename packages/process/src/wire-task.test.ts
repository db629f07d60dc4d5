import { describe, expect, it } from 'vitest';
import { beginStop, newRecord, observe, started } from './task-lifecycle.js';
import type { TaskRecord } from './task-record.js';
import { executionResult } from './task-result.js';
import { snapshotFromRecord, snapshotFromWire } from './task-snapshot.js';
import { toWireTask, WireTaskSchema } from './wire-task.js';

const t0 = new Date('2026-01-01T10:00:00.250Z');
const process = { command: ['sh', '-c'], args: ['exit 3'] };
const pending = newRecord({ name: 't1', process, labels: { owner: 'a' } }, 'uid-1', t0);
const running = started(pending, { pid: 9, startTicks: '1', bootId: 'b' }, t0);
const failed = observe(running, {
  exit: { code: 3, at: new Date('2026-01-01T10:00:05Z') },
  shimAlive: false,
});
const unknown = observe(running, { shimAlive: false });

/** What a client written against OpenSandbox's Go types reads. */
const goClientView = (task: unknown) => {
  const t = task as { name: string; process: unknown; processStatus: unknown };
  return { name: t.name, process: t.process, processStatus: t.processStatus };
};
/** What a client written against OpenSandbox's README reads. */
const readmeClientView = (task: unknown) => {
  const t = task as { name: string; spec: { process: unknown }; status: { state: unknown } };
  return { name: t.name, process: t.spec.process, state: t.status.state };
};

describe('a task in a response', () => {
  it.each<[string, TaskRecord, unknown]>([
    ['pending', pending, { waiting: { reason: 'Pending' } }],
    ['running', running, { running: { startedAt: '2026-01-01T10:00:00Z' } }],
    [
      'failed',
      failed,
      {
        terminated: {
          exitCode: 3,
          reason: 'Failed',
          message: 'the process exited with code 3',
          startedAt: '2026-01-01T10:00:00Z',
          finishedAt: '2026-01-01T10:00:05Z',
        },
      },
    ],
    ['unknown', unknown, { waiting: { reason: 'Unknown', message: unknown.message } }],
  ])('reads the same to clients of either shape when %s', (_, record, state) => {
    const wire = JSON.parse(JSON.stringify(toWireTask(record)));
    expect(goClientView(wire)).toEqual({ name: 't1', process, processStatus: state });
    expect(readmeClientView(wire)).toEqual({ name: 't1', process, state });
    expect(wire.status.phase).toBe(record.state);
  });

  it('carries uid, labels and, while it is being deleted, deletionTimestamp', () => {
    const wire = toWireTask({ ...running, deletionTimestamp: '2026-01-01T10:00:09.999Z' });
    expect(wire).toMatchObject({
      uid: 'uid-1',
      labels: { owner: 'a' },
      deletionTimestamp: '2026-01-01T10:00:09Z',
    });
    expect(toWireTask(running)).not.toHaveProperty('deletionTimestamp');
  });

  const timedOut = observe(
    beginStop({ ...running, process: { ...process, timeoutSeconds: 1 } }, 'Timeout', t0),
    { exit: { code: 143, at: t0 }, shimAlive: false },
  );

  it("reports a timeout with 137 and OpenSandbox's reason TaskTimeout, and ours in status", () => {
    const wire = toWireTask(timedOut);
    expect(wire.processStatus?.terminated).toMatchObject({ exitCode: 137, reason: 'TaskTimeout' });
    expect(wire.status).toMatchObject({ phase: 'Failed', reason: 'Timeout' });
  });

  it('keeps its own reason for a 143 past the timeout that no stop of its brought', () => {
    const killed = observe(
      { ...running, process: { ...process, timeoutSeconds: 1 } },
      { exit: { code: 143, at: new Date('2026-01-01T10:00:05Z') }, shimAlive: false },
    );
    const wire = WireTaskSchema.parse(JSON.parse(JSON.stringify(toWireTask(killed))));
    expect(executionResult(snapshotFromWire(wire))).toMatchObject({
      phase: 'Failed',
      reason: 'ProcessFailed',
      failureReason: 'TaskFailed',
      exitCode: 143,
    });
  });

  it('reads back to the snapshot it was made from', () => {
    for (const record of [pending, running, failed, unknown, timedOut]) {
      const wire = WireTaskSchema.parse(JSON.parse(JSON.stringify(toWireTask(record))));
      expect(snapshotFromWire(wire)).toEqual(snapshotFromRecord(record));
    }
  });
});

describe('an answer from an OpenSandbox agent', () => {
  const upstream = (processStatus: unknown, timeoutSeconds?: number) =>
    WireTaskSchema.parse({
      name: 'bsbx-0',
      process: {
        command: ['sleep', '1'],
        lifecycle: { preStart: { exec: { command: ['true'] } } },
        ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
      },
      processStatus,
    });
  /** The shim's exit status as its agent answers it, `seconds` after the start. */
  const exitAfter = (exitCode: number, seconds: number) => ({
    terminated: {
      exitCode,
      reason: 'Failed',
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: new Date(Date.parse('2026-01-01T00:00:00Z') + seconds * 1000)
        .toISOString()
        .replace('.000', ''),
    },
  });

  it('maps its states the way its controller does', () => {
    expect(snapshotFromWire(upstream({ waiting: { reason: 'Pending' } }))).toMatchObject({
      phase: 'Pending',
      labels: {},
      deleting: false,
    });
    expect(
      snapshotFromWire(upstream({ running: { startedAt: '2026-01-01T00:00:00Z' } })).phase,
    ).toBe('Running');
    expect(
      snapshotFromWire(upstream({ terminated: { exitCode: 0, reason: 'Succeeded' } })),
    ).toMatchObject({ phase: 'Succeeded', exitCode: 0 });
  });

  it('reads its TaskTimeout as a task still being stopped, and the end the stop brings as the timeout', () => {
    // What its agent answers while it stops a process past its timeout: the finishedAt is the
    // time of the answer, and the next answer, once the process has ended, is its exit status,
    // which does not say timeout.
    const stopping = snapshotFromWire(
      upstream(
        {
          terminated: {
            exitCode: 137,
            reason: 'TaskTimeout',
            message: 'Task exceeded timeout of 5 seconds',
            startedAt: '2026-01-01T00:00:00Z',
            finishedAt: '2026-01-01T00:00:07Z',
          },
        },
        5,
      ),
    );
    expect(stopping).toMatchObject({ phase: 'Running', started: true });
    expect(stopping.finishedAt).toBeUndefined();
    expect(executionResult(stopping)).toMatchObject({ phase: 'Running' });
    const ended = snapshotFromWire(upstream(exitAfter(143, 6), 5));
    expect(executionResult(ended)).toMatchObject({
      phase: 'Failed',
      reason: 'Timeout',
      failureReason: 'DeadlineExceeded',
      exitCode: 143,
      started: true,
      completionTime: '2026-01-01T00:00:06Z',
    });
  });

  it.each([
    // Its stop comes only past the timeout, and both times are truncated to whole seconds: a
    // span of 5.2s from 00:00:00.9 reads as 6s, one of 5.05s from 00:00:00.1 as 5s.
    ['SIGTERM', 143, 6],
    ['SIGKILL after the grace', 137, 15],
    ['SIGTERM, the whole seconds of both times truncated', 143, 5],
  ])('reads an end by %s at or past the timeout as the timeout', (_, code, seconds) => {
    expect(executionResult(snapshotFromWire(upstream(exitAfter(code, seconds), 5)))).toMatchObject({
      phase: 'Failed',
      reason: 'Timeout',
      failureReason: 'DeadlineExceeded',
      exitCode: code,
    });
  });

  it.each<[string, unknown, number | undefined, string, string]>([
    ['a 143 well before the timeout', exitAfter(143, 2), 5, 'ProcessFailed', 'TaskFailed'],
    ['a 143 one second short of it', exitAfter(143, 4), 5, 'ProcessFailed', 'TaskFailed'],
    [
      'a 143 of a task without a timeout',
      exitAfter(143, 600),
      undefined,
      'ProcessFailed',
      'TaskFailed',
    ],
    ['another code past the timeout', exitAfter(1, 60), 5, 'ProcessFailed', 'TaskFailed'],
    [
      'a shim gone without an exit status',
      {
        terminated: {
          exitCode: 137,
          reason: 'ProcessCrashed',
          startedAt: '2026-01-01T00:00:00Z',
          finishedAt: '2026-01-01T00:00:00Z',
        },
      },
      5,
      'OutcomeUnknown',
      'Unknown',
    ],
  ])('reads %s as it ends, not as a timeout', (_, status, timeout, reason, failureReason) => {
    expect(executionResult(snapshotFromWire(upstream(status, timeout)))).toMatchObject({
      phase: 'Failed',
      reason,
      failureReason,
    });
  });

  it('reads a task with no status yet as pending', () => {
    expect(snapshotFromWire(upstream(undefined)).phase).toBe('Pending');
  });
});
