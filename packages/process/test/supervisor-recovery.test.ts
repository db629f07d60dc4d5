import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ProcessSupervisor, TaskConflictError } from '../src/index.js';
import { removeAllTasks } from './in-process-agent.js';
import { isAlive, patience, processRef, temporaryDirectory } from './support.js';

/**
 * What a supervisor finds in a data directory a crashed one left behind, at each point a
 * crash can interrupt a create.
 */
describe('recovery from a data directory', () => {
  const dir = temporaryDirectory('recovery');
  const dataDir = join(dir.path, 'data');
  let supervisor: ProcessSupervisor | undefined;

  afterAll(async () => {
    if (supervisor) {
      await removeAllTasks(supervisor);
      await supervisor.close();
    }
    dir.remove();
  });

  it('starts a task recorded before its start (its command cannot have run), drops an empty directory, and reports an unreadable one Unknown', async () => {
    const runs = join(dir.path, 'runs');
    const pending = {
      version: 1,
      name: 'pending',
      uid: 'uid-pending',
      process: { command: ['/bin/sh', '-c', `echo ran >> ${runs}`] },
      createdAt: new Date().toISOString(),
      state: 'Pending',
      reason: 'Pending',
    };
    mkdirSync(join(dataDir, 'pending'), { recursive: true });
    writeFileSync(join(dataDir, 'pending', 'task.json'), JSON.stringify(pending));
    mkdirSync(join(dataDir, 'empty'));
    mkdirSync(join(dataDir, 'garbled'));
    writeFileSync(join(dataDir, 'garbled', 'task.json'), '{"version": 1, "na');
    writeFileSync(join(dataDir, 'stray.tmp'), 'x');

    supervisor = await ProcessSupervisor.open({ dataDir, reconcileIntervalMs: 100 });

    await vi.waitFor(() => expect(supervisor?.get('pending')?.state).toBe('Succeeded'), patience);
    expect(readFileSync(runs, 'utf8')).toBe('ran\n');
    expect(existsSync(join(dataDir, 'empty'))).toBe(false);
    expect(supervisor.get('garbled')).toMatchObject({
      state: 'Unknown',
      reason: 'UnreadableRecord',
    });
    expect(existsSync(join(dataDir, 'garbled', 'task.json'))).toBe(true);
    const conflict = await supervisor
      .create({ name: 'garbled', process: { command: ['true'] } })
      .catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(TaskConflictError);
    expect(conflict).toMatchObject({ conflict: 'UnreadableRecord' });
  });

  it('starts even when a record cannot be read at all, reporting only that task Unknown', async () => {
    const other = join(dir.path, 'unreadable');
    const done = {
      version: 1,
      name: 'done',
      uid: 'uid-done',
      process: { command: ['true'] },
      createdAt: new Date().toISOString(),
      state: 'Succeeded',
      reason: 'Succeeded',
      exitCode: 0,
    };
    mkdirSync(join(other, 'done'), { recursive: true });
    writeFileSync(join(other, 'done', 'task.json'), JSON.stringify(done));
    // A write that stopped before its rename leaves its temporary file; the record stands.
    writeFileSync(join(other, 'done', 'task.json.tmp'), '{"version": 1, "na');
    // A record that is a directory: reading it fails with EISDIR, not with bad content.
    mkdirSync(join(other, 'broken', 'task.json'), { recursive: true });

    const recovered = await ProcessSupervisor.open({ dataDir: other, reconcileIntervalMs: 100 });
    try {
      expect(recovered.get('done')).toMatchObject({ state: 'Succeeded', exitCode: 0 });
      expect(recovered.get('broken')).toMatchObject({
        state: 'Unknown',
        message: expect.stringMatching(/^task\.json cannot be read \(EISDIR\)/),
      });
      const conflict = await recovered
        .create({ name: 'broken', process: { command: ['true'] } })
        .catch((e: unknown) => e);
      expect(conflict).toMatchObject({ conflict: 'UnreadableRecord' });
    } finally {
      await recovered.close();
    }
  });
});

/**
 * `rerunLostTasks`: a task whose process ended without an exit status while no supervisor ran
 * is dropped, so creating it again runs it again; every task whose outcome is known stays.
 */
describe('recovery with rerunLostTasks', () => {
  const dir = temporaryDirectory('rerun-lost');
  const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  const supervisors: ProcessSupervisor[] = [];
  let orphanGroup: number | undefined;

  afterAll(async () => {
    for (const supervisor of supervisors) {
      await removeAllTasks(supervisor);
      await supervisor.close();
    }
    if (orphanGroup !== undefined) {
      try {
        process.kill(-orphanGroup, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    dir.remove();
  });

  const runs = (name: string) => join(dir.path, `${name}.runs`);
  const script = (name: string) => ['/bin/sh', '-c', `echo ran >> ${runs(name)}`];
  const record = (name: string, fields: Record<string, unknown> = {}) => ({
    version: 1,
    name,
    uid: `uid-${name}`,
    process: { command: script(name) },
    createdAt: new Date().toISOString(),
    startedAt: new Date().toISOString(),
    state: 'Running',
    reason: 'Running',
    // A shim of an earlier boot: gone, and so is every process of its group.
    runtime: { pid: 4_000_000, startTicks: '1', bootId: 'an-earlier-boot' },
    ...fields,
  });
  const write = (dataDir: string, task: { name: string }, exit?: string) => {
    mkdirSync(join(dataDir, task.name), { recursive: true });
    writeFileSync(join(dataDir, task.name, 'task.json'), JSON.stringify(task));
    if (exit !== undefined) writeFileSync(join(dataDir, task.name, 'exit'), exit);
  };

  it('drops only a lost task with nothing of it left, and creating it again runs it', async () => {
    const dataDir = join(dir.path, 'on');
    // A process group whose leader (standing for the shim) is gone while a member still runs.
    const orphan = spawn('/bin/sh', ['-c', 'sleep 300 & echo $!; read line'], {
      detached: true,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    orphanGroup = orphan.pid as number;
    const orphanShim = processRef(orphanGroup);
    // The member runs once its pid is printed.
    const [printed] = (await once(orphan.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
    const member = processRef(Number(printed.toString().trim()));
    orphan.kill('SIGKILL');
    await vi.waitFor(() => expect(isAlive(orphanShim)).toBe(false), patience);
    expect(isAlive(member)).toBe(true);
    // Its postStop belongs to the run that was lost: it does not run (as upstream drops it).
    const withPostStop = {
      command: script('lost'),
      lifecycle: {
        postStop: { exec: { command: ['/bin/sh', '-c', `echo postStop >> ${runs('lost')}`] } },
      },
    };
    write(dataDir, record('lost', { process: withPostStop }));
    write(dataDir, record('exited'), '3\n');
    write(dataDir, record('orphaned', { runtime: { ...orphanShim, bootId } }));
    write(
      dataDir,
      record('hook-failed', {
        state: 'Failed',
        reason: 'PreStartHookFailed',
        exitCode: 1,
        finishedAt: new Date().toISOString(),
      }),
    );
    const warnings: unknown[] = [];
    const logger = {
      debug() {},
      info() {},
      warn: (fields: unknown, message: string) => warnings.push({ ...(fields as object), message }),
      error() {},
    };

    const supervisor = await ProcessSupervisor.open({
      dataDir,
      reconcileIntervalMs: 100,
      rerunLostTasks: true,
      logger,
    });
    supervisors.push(supervisor);

    expect(supervisor.get('lost')).toBeUndefined();
    expect(existsSync(join(dataDir, 'lost'))).toBe(false);
    expect(warnings).toContainEqual(expect.objectContaining({ task: 'lost' }));
    expect(supervisor.get('exited')).toMatchObject({ state: 'Failed', exitCode: 3 });
    expect(supervisor.get('hook-failed')).toMatchObject({ reason: 'PreStartHookFailed' });
    // Its command still runs: it is running, not run a second time beside itself.
    expect(supervisor.get('orphaned')).toMatchObject({ state: 'Running' });
    expect(warnings).toContainEqual(expect.objectContaining({ task: 'orphaned' }));

    const { created, task } = await supervisor.create({ name: 'lost', process: withPostStop });
    expect(created).toBe(true);
    expect(task.uid).not.toBe('uid-lost');
    await vi.waitFor(() => expect(supervisor.get('lost')?.state).toBe('Succeeded'), patience);
    // The record is Succeeded as soon as the command exits; its postStop runs right after.
    await vi.waitFor(
      () => expect(readFileSync(runs('lost'), 'utf8')).toBe('ran\npostStop\n'),
      patience,
    );
    expect(existsSync(runs('exited'))).toBe(false);
  });

  it('keeps a lost task, Unknown, without the option', async () => {
    const dataDir = join(dir.path, 'off');
    write(dataDir, record('lost'));
    const supervisor = await ProcessSupervisor.open({ dataDir, reconcileIntervalMs: 100 });
    supervisors.push(supervisor);
    expect(supervisor.get('lost')).toMatchObject({ state: 'Unknown', reason: 'Lost' });
    expect(existsSync(join(dataDir, 'lost', 'task.json'))).toBe(true);
  });
});
