import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { ProcessSupervisor } from './supervisor.js';
import { newRecord, started } from './task-lifecycle.js';
import { taskMarkerVariable } from './task-marker.js';
import type { Stop, TaskRecord } from './task-record.js';
import { TaskStore } from './task-store.js';

const shim = { pid: 4242, startTicks: '1000', bootId: 'boot' };
const uid = 'uid-stopping';
/** A setsid daemon the task started: it leads its own group, and carries the task's marker. */
const daemon = 4300;

/**
 * A task being deleted after a supervisor restart, its shim gone, with a fake procfs: the
 * supervisor's signals are spied on, never sent.
 */
describe("a stop's signals once the task's shim is gone", () => {
  let dir: string;
  let kill: MockInstance<typeof process.kill>;
  let supervisor: ProcessSupervisor | undefined;
  const procRoot = () => join(dir, 'proc');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'roundhouse-stop-signals-'));
    mkdirSync(join(procRoot(), 'sys/kernel/random'), { recursive: true });
    writeFileSync(join(procRoot(), 'sys/kernel/random/boot_id'), 'boot\n');
    kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
  });
  afterEach(async () => {
    await supervisor?.close();
    supervisor = undefined;
    kill.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  });

  const processRuns = (pid: number, group: number, startTicks: string, environ = '') => {
    mkdirSync(join(procRoot(), String(pid)));
    writeFileSync(
      join(procRoot(), String(pid), 'stat'),
      `${pid} (sleep) S 1 ${group} ${group} 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 ${startTicks} 1000 10 1`,
    );
    writeFileSync(join(procRoot(), String(pid), 'environ'), environ);
  };

  async function openWithDeletedTask(stop: Stop): Promise<ProcessSupervisor> {
    const dataDir = join(dir, 'data');
    const store = new TaskStore(dataDir);
    await store.init();
    await store.createDirectory('stopping');
    const now = new Date();
    const record: TaskRecord = {
      ...started(
        newRecord({ name: 'stopping', process: { command: ['sleep'] } }, uid, now),
        shim,
        now,
      ),
      stop,
      deletionTimestamp: now.toISOString(),
    };
    await store.write(record);
    supervisor = await ProcessSupervisor.open({
      dataDir,
      procRoot: procRoot(),
      reconcileIntervalMs: 60_000,
    });
    return supervisor;
  }

  const requestedAt = new Date().toISOString();
  const stops: [string, Stop, NodeJS.Signals][] = [
    ['its SIGTERM, sent again after the restart', { cause: 'Deleted', requestedAt }, 'SIGTERM'],
    ['its recorded SIGKILL', { cause: 'Deleted', requestedAt, killedAt: requestedAt }, 'SIGKILL'],
  ];

  it.each(stops)(
    "%s goes to the departed process only, never to the shim's group number another process now leads",
    async (_, stop, signal) => {
      // The shim's pid (and so its group's number) is another process's now: other start ticks.
      processRuns(shim.pid, shim.pid, '5000');
      processRuns(daemon, daemon, '2000', `${taskMarkerVariable}=${uid}\0`);

      const task = await openWithDeletedTask(stop);

      expect(kill.mock.calls.filter(([pid]) => pid < 0)).toEqual([]);
      expect(kill).toHaveBeenCalledWith(daemon, signal);
      expect(task.get('stopping')).toMatchObject({ deletionTimestamp: expect.any(String) });
    },
  );

  it.each(stops)(
    '%s goes to the group while a process of its own is left in it',
    async (_, stop, signal) => {
      // The shim is gone; its child, still in the shim's group, keeps that number the task's.
      processRuns(4250, shim.pid, '1500');

      await openWithDeletedTask(stop);

      expect(kill).toHaveBeenCalledWith(-shim.pid, signal);
    },
  );
});
