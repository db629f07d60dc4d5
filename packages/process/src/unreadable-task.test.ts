import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@roundhouse/core';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ProcessSupervisor } from './supervisor.js';
import { TaskConflictError } from './task-errors.js';
import { taskNameProblem } from './task-name.js';
import { TaskStore } from './task-store.js';
import { unreadableRecord } from './unreadable-task.js';
import { toWireTask } from './wire-task.js';

const patience = { timeout: 15_000, interval: 50 };
const root = mkdtempSync(join(tmpdir(), 'roundhouse-unreadable-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let count = 0;
/** A fresh data directory holding `garbled`, whose task.json a crash or a hand edit broke. */
function dataDirWithGarbledRecord(record = '{"version": 1, "na'): string {
  const dataDir = join(root, `data-${++count}`);
  mkdirSync(join(dataDir, 'garbled'), { recursive: true });
  writeFileSync(join(dataDir, 'garbled', 'task.json'), record);
  writeFileSync(join(dataDir, 'garbled', 'stdout.log'), 'what it printed\n');
  return dataDir;
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    debug: () => {},
    info: () => {},
    warn: (_fields, message) => void warnings.push(message),
    error: () => {},
  };
}

const corruptDirectories = (dataDir: string) =>
  readdirSync(dataDir).filter((entry) => entry.startsWith('garbled.corrupt-'));

const supervisors: ProcessSupervisor[] = [];
async function open(dataDir: string, options: { rerunLostTasks?: boolean; logger?: Logger } = {}) {
  const supervisor = await ProcessSupervisor.open({ dataDir, reconcileIntervalMs: 50, ...options });
  supervisors.push(supervisor);
  return supervisor;
}

afterEach(async () => {
  for (const supervisor of supervisors.splice(0)) {
    await supervisor.sync([]);
    await vi.waitFor(() => expect(supervisor.list()).toEqual([]), patience).catch(() => {});
    await supervisor.close();
  }
});

const run = (name: string) => ({ name, process: { command: ['true'] } });

describe('a task whose task.json cannot be read', () => {
  it('is reported Unknown, naming the problem, and never fails the rest of a desired set', async () => {
    const logger = recordingLogger();
    const dataDir = dataDirWithGarbledRecord();
    const supervisor = await open(dataDir, { logger });

    const garbled = supervisor.get('garbled');
    expect(garbled).toMatchObject({ state: 'Unknown', reason: 'UnreadableRecord' });
    expect(garbled?.message).toMatch(/^task\.json is not valid JSON: .* never runs it again/);
    expect(logger.warnings).toContain(
      'a task record cannot be read: the task is reported Unknown until it is deleted',
    );
    const wire = toWireTask(garbled as NonNullable<typeof garbled>);
    expect(wire.processStatus).toEqual({
      waiting: { reason: 'Unknown', message: garbled?.message },
    });
    expect(wire.process).toBeUndefined();

    // The controller re-sends its desired set: it goes through, the other task is created.
    const after = await supervisor.sync([run('garbled'), run('fresh')]);
    expect(after.map((task) => [task.name, task.reason === 'UnreadableRecord'])).toEqual([
      ['fresh', false],
      ['garbled', true],
    ]);
    await vi.waitFor(() => expect(supervisor.get('fresh')?.state).toBe('Succeeded'), patience);
    // Its logs stay readable.
    expect((await supervisor.logs('garbled', 'stdout', 100))?.content).toBe('what it printed\n');

    // A create of the name says what is wrong instead of running it beside an unknown run.
    const conflict = await supervisor.create(run('garbled')).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(TaskConflictError);
    expect(conflict).toMatchObject({ conflict: 'UnreadableRecord' });
  });

  it('is moved aside, evidence kept, once deleted, and its name can be created again', async () => {
    const dataDir = dataDirWithGarbledRecord();
    const supervisor = await open(dataDir);

    await supervisor.sync([run('fresh')]);
    await vi.waitFor(() => expect(supervisor.get('garbled')).toBeUndefined(), patience);
    const [aside] = corruptDirectories(dataDir);
    expect(aside).toBeDefined();
    expect(taskNameProblem(aside)).toBeDefined(); // never taken for a task
    expect(readFileSync(join(dataDir, aside as string, 'task.json'), 'utf8')).toBe(
      '{"version": 1, "na',
    );
    expect(readFileSync(join(dataDir, aside as string, 'stdout.log'), 'utf8')).toBe(
      'what it printed\n',
    );

    await supervisor.sync([run('fresh'), run('garbled')]);
    await vi.waitFor(() => expect(supervisor.get('garbled')?.state).toBe('Succeeded'), patience);
    expect(corruptDirectories(dataDir)).toEqual([aside]);
  });

  it('is reported again after a restart until it is deleted (at most once)', async () => {
    const dataDir = dataDirWithGarbledRecord(JSON.stringify({ version: 1, name: 'garbled' }));
    const first = await open(dataDir);
    expect(first.get('garbled')?.message).toMatch(/^task\.json is not a task record \(uid: /);
    await first.close();
    supervisors.splice(supervisors.indexOf(first), 1);

    const second = await open(dataDir);
    expect(second.get('garbled')).toMatchObject({ state: 'Unknown', reason: 'UnreadableRecord' });
    expect(second.get('garbled')?.uid).toBe(first.get('garbled')?.uid);
  });

  it('keeps its name while a process that may be its own runs, and never signals it', async () => {
    const logger = recordingLogger();
    const dataDir = dataDirWithGarbledRecord();
    // The command of the lost run, its shim gone: a group of its own, numbered in `pid`.
    const orphan: ChildProcess = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    try {
      writeFileSync(join(dataDir, 'garbled', 'pid'), String(orphan.pid));
      const supervisor = await open(dataDir, { logger, rerunLostTasks: true });

      const garbled = supervisor.get('garbled');
      expect(garbled?.state).toBe('Unknown');
      expect(garbled?.message).toContain(`may be the task's still run (pids ${orphan.pid})`);

      await supervisor.delete('garbled');
      await supervisor.reconcile('garbled');
      await supervisor.reconcile('garbled');
      expect(supervisor.get('garbled')?.deletionTimestamp).toBeDefined();
      expect(corruptDirectories(dataDir)).toEqual([]);
      expect(orphan.exitCode).toBeNull();
      expect(orphan.signalCode).toBeNull();
      expect(
        logger.warnings.filter((w) => w.startsWith('the deletion of a task whose record')),
      ).toHaveLength(1);

      orphan.kill('SIGKILL');
      await vi.waitFor(() => expect(supervisor.get('garbled')).toBeUndefined(), patience);
      expect(corruptDirectories(dataDir)).toHaveLength(1);
    } finally {
      orphan.kill('SIGKILL');
    }
  });

  it('with rerunLostTasks, is moved aside at start so the next create runs it again', async () => {
    const logger = recordingLogger();
    const dataDir = dataDirWithGarbledRecord();
    const supervisor = await open(dataDir, { logger, rerunLostTasks: true });
    expect(supervisor.get('garbled')).toBeUndefined();
    expect(corruptDirectories(dataDir)).toHaveLength(1);
    expect(logger.warnings).toContain(
      'moved aside a task whose record cannot be read; creating it again runs it again',
    );
    await supervisor.sync([run('garbled')]);
    await vi.waitFor(() => expect(supervisor.get('garbled')?.state).toBe('Succeeded'), patience);
  });

  it('found only by a create (the directory appeared after the start) is taken in the same way', async () => {
    const dataDir = join(root, `data-${++count}`);
    const supervisor = await open(dataDir);
    mkdirSync(join(dataDir, 'late'));
    writeFileSync(join(dataDir, 'late', 'task.json'), 'not json');
    const after = await supervisor.sync([run('late'), run('fresh')]);
    expect(after.find((task) => task.name === 'late')).toMatchObject({
      state: 'Unknown',
      reason: 'UnreadableRecord',
    });
    await vi.waitFor(() => expect(supervisor.get('fresh')?.state).toBe('Succeeded'), patience);
  });
});

describe('what the store says about a record it cannot read', () => {
  const dataDir = join(root, 'store');
  const store = new TaskStore(dataDir);
  const write = (name: string, content: string) => {
    mkdirSync(join(dataDir, name), { recursive: true });
    writeFileSync(join(dataDir, name, 'task.json'), content);
  };

  it('names the problem: bad JSON, not a record, another name, a read error', async () => {
    write('a', '{');
    write('b', '{"version": 2}');
    const valid = {
      version: 1,
      name: 'other',
      uid: 'u',
      process: { command: ['true'] },
      createdAt: new Date().toISOString(),
      state: 'Pending',
      reason: 'Pending',
    };
    write('c', JSON.stringify(valid));
    mkdirSync(join(dataDir, 'd', 'task.json'), { recursive: true });
    write('e', JSON.stringify({ ...valid, name: 'e' }));
    const problems = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => store.read(n)));
    expect(problems).toEqual([
      { kind: 'unreadable', problem: 'task.json is not valid JSON' },
      {
        kind: 'unreadable',
        problem: expect.stringMatching(/^task\.json is not a task record \(version: /),
      },
      { kind: 'unreadable', problem: 'task.json records another task ("other")' },
      { kind: 'unreadable', problem: 'task.json cannot be read (EISDIR)' },
      expect.objectContaining({ kind: 'record' }),
    ]);
    expect(existsSync(join(dataDir, 'e', 'task.json'))).toBe(true);
  });
});

describe('the Unknown task of an unreadable record', () => {
  it('says what is known: the exit status, the processes, and how to free the name', () => {
    const at = new Date('2026-01-01T10:00:00Z');
    const record = unreadableRecord('t1', {
      problem: 'task.json is not valid JSON',
      directory: { inode: 42, createdAt: at },
      exit: { code: 3, at },
      processes: [12, 34],
    });
    expect(record).toMatchObject({
      name: 't1',
      uid: `unreadable-42-${at.getTime()}`,
      state: 'Unknown',
      reason: 'UnreadableRecord',
      createdAt: '2026-01-01T10:00:00.000Z',
    });
    expect(record.message).toBe(
      "task.json is not valid JSON: the task's spec and outcome are lost, so the agent reports it Unknown and never runs it again; " +
        'its command exited with code 3 at 2026-01-01T10:00:00.000Z; ' +
        "processes that may be the task's still run (pids 12, 34); the agent signals no process it cannot identify, so a deletion waits until they have ended; " +
        'delete the task to keep its directory aside as t1.corrupt-<time> and free the name',
    );
  });
});
