import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ProcessSupervisor, TaskConflictError } from '../src/index.js';
import { removeAllTasks } from './in-process-agent.js';
import { patience, temporaryDirectory } from './support.js';

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

  it('starts a task recorded before its start (its command cannot have run), drops an empty directory, and keeps an unreadable one', async () => {
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
    expect(supervisor.get('garbled')).toBeUndefined();
    expect(existsSync(join(dataDir, 'garbled', 'task.json'))).toBe(true);
    const conflict = await supervisor
      .create({ name: 'garbled', process: { command: ['true'] } })
      .catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(TaskConflictError);
    expect(conflict).toMatchObject({ conflict: 'UnreadableRecord' });
  });
});
