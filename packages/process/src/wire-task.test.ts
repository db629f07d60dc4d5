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

  it('reads back to the snapshot it was made from', () => {
    for (const record of [pending, running, failed, unknown, timedOut]) {
      const wire = WireTaskSchema.parse(JSON.parse(JSON.stringify(toWireTask(record))));
      expect(snapshotFromWire(wire)).toEqual(snapshotFromRecord(record));
    }
  });
});

describe('an answer from an OpenSandbox agent', () => {
  const upstream = (processStatus: unknown) =>
    WireTaskSchema.parse({
      name: 'bsbx-0',
      process: {
        command: ['sleep', '1'],
        lifecycle: { preStart: { exec: { command: ['true'] } } },
      },
      processStatus,
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

  it('reads its TaskTimeout as a task still being stopped, and the end the stop brings as final', () => {
    // What its agent answers while it stops a process past its timeout: the finishedAt is the
    // time of the answer, and the next answer, once the process has ended, is its exit status.
    const stopping = snapshotFromWire(
      upstream({
        terminated: {
          exitCode: 137,
          reason: 'TaskTimeout',
          message: 'Task exceeded timeout of 5 seconds',
          startedAt: '2026-01-01T00:00:00Z',
          finishedAt: '2026-01-01T00:00:07Z',
        },
      }),
    );
    expect(stopping).toMatchObject({ phase: 'Running', started: true });
    expect(stopping.finishedAt).toBeUndefined();
    expect(executionResult(stopping)).toMatchObject({ phase: 'Running' });
    const ended = snapshotFromWire(
      upstream({
        terminated: {
          exitCode: 143,
          reason: 'Failed',
          startedAt: '2026-01-01T00:00:00Z',
          finishedAt: '2026-01-01T00:00:06Z',
        },
      }),
    );
    expect(ended).toMatchObject({ phase: 'Failed', exitCode: 143 });
    expect(executionResult(ended)).toMatchObject({
      phase: 'Failed',
      completionTime: '2026-01-01T00:00:06Z',
    });
  });

  it('reads a task with no status yet as pending', () => {
    expect(snapshotFromWire(upstream(undefined)).phase).toBe('Pending');
  });
});
