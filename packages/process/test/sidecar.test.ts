import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mainContainerVariable, ProcessSupervisor } from '../src/index.js';
import { removeAllTasks } from './in-process-agent.js';
import { killTaskGroup, patience, processRef, temporaryDirectory } from './support.js';

/** Whether this machine lets us create PID and mount namespaces (root, or user namespaces). */
const namespaces = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']);
const canUnshare = namespaces.status === 0;
const describeWithNamespaces = canUnshare ? describe : describe.skip;
if (!canUnshare) {
  console.warn(
    'sidecar mode tests skipped: this machine forbids creating PID and mount namespaces ' +
      `(unshare --pid --fork --mount-proc failed: ${namespaces.error?.message ?? namespaces.stderr?.toString().trim()})`,
  );
}

/** Pids of every process whose environment holds `marker`. */
function processesMarked(marker: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * Sidecar mode against a "main container" that is a process in its own PID and mount
 * namespaces (`unshare --pid --fork --mount-proc`), marked as OpenSandbox marks it.
 */
describeWithNamespaces('sidecar mode', () => {
  const dir = temporaryDirectory('sidecar');
  const mainName = `main-${randomUUID().slice(0, 8)}`;
  let main: ChildProcess;
  let supervisor: ProcessSupervisor;

  beforeAll(async () => {
    main = spawn(
      'unshare',
      [
        '--pid',
        '--fork',
        '--mount-proc',
        '--net',
        '--uts',
        '--ipc',
        'env',
        `${mainContainerVariable}=${mainName}`,
        'APP_ONLY=from-main',
        'sleep',
        '300',
      ],
      { stdio: 'ignore', detached: true },
    );
    await vi.waitFor(
      () => expect(processesMarked(`${mainContainerVariable}=${mainName}`)).toHaveLength(1),
      patience,
    );
    supervisor = await ProcessSupervisor.open({
      dataDir: join(dir.path, 'data'),
      reconcileIntervalMs: 100,
      gracePeriodMs: 1000,
      sidecarMode: true,
      mainContainerName: mainName,
    });
  });

  afterAll(async () => {
    if (supervisor) {
      await removeAllTasks(supervisor);
      await supervisor.close();
    }
    // unshare leads the group of the main container's processes until it is killed.
    if (main?.pid !== undefined && main.exitCode === null) killTaskGroup(processRef(main.pid));
    dir.remove();
  });

  const output = async (name: string) => {
    await vi.waitFor(() => expect(supervisor.get(name)?.state).toBe('Succeeded'), patience);
    return (await supervisor.logs(name, 'stdout', 4096))?.content;
  };

  it("runs a task inside the main container's PID and mount namespaces, with its environment", async () => {
    await supervisor.create({
      name: 'inside',
      process: {
        command: ['/bin/sh', '-c', 'echo "$$ $(cat /proc/1/comm) $APP_ONLY $TASK_VAR"'],
        env: [{ name: 'TASK_VAR', value: 'from-task' }],
      },
    });
    const [pid, init, appOnly, taskVar] = ((await output('inside')) ?? '').trim().split(' ');
    // In the main container's PID namespace its `sleep` is PID 1 and the task a low number.
    expect(init).toBe('sleep');
    expect(Number(pid)).toBeLessThan(10);
    expect([appOnly, taskVar]).toEqual(['from-main', 'from-task']);
  });

  it("shares the main container's network, UTS and IPC namespaces, as upstream enters them", async () => {
    const [mainPid] = processesMarked(`${mainContainerVariable}=${mainName}`);
    const namespaces = ['net', 'uts', 'ipc'];
    await supervisor.create({
      name: 'network',
      process: {
        command: ['/bin/sh', '-c', 'for ns in "$@"; do readlink /proc/self/ns/$ns; done', 'sh'],
        args: namespaces,
      },
    });
    const seen = ((await output('network')) ?? '').trim().split('\n');
    expect(seen).toEqual(namespaces.map((ns) => readlinkSync(`/proc/${mainPid}/ns/${ns}`)));
    expect(seen[0]).not.toBe(readlinkSync('/proc/self/ns/net'));
  });

  it('runs a task with execMode Remote in the main container while sidecar mode is off', async () => {
    const local = await ProcessSupervisor.open({
      dataDir: join(dir.path, 'local-by-default'),
      reconcileIntervalMs: 100,
      mainContainerName: mainName,
    });
    try {
      await local.create({
        name: 'remote',
        process: { command: ['/bin/sh', '-c', 'cat /proc/1/comm'], execMode: 'Remote' },
      });
      await local.create({
        name: 'default',
        process: { command: ['/bin/sh', '-c', 'cat /proc/1/comm'] },
      });
      const comm = async (name: string) => {
        await vi.waitFor(() => expect(local.get(name)?.state).toBe('Succeeded'), patience);
        return (await local.logs(name, 'stdout', 4096))?.content.trim();
      };
      expect(await comm('remote')).toBe('sleep');
      expect(await comm('default')).not.toBe('sleep');
    } finally {
      await removeAllTasks(local);
      await local.close();
    }
  });

  it("runs a task with execMode Local in the agent's own namespaces", async () => {
    await supervisor.create({
      name: 'outside',
      process: { command: ['/bin/sh', '-c', 'echo "$$ $(cat /proc/1/comm)"'], execMode: 'Local' },
    });
    const [pid, init] = ((await output('outside')) ?? '').trim().split(' ');
    expect(init).not.toBe('sleep');
    expect(Number(pid)).toBeGreaterThan(1);
  });

  it('stops a task inside the main container completely on delete', async () => {
    const marker = `ROUNDHOUSE_TEST_MARK=${randomUUID()}`;
    await supervisor.create({
      name: 'stoppable',
      process: {
        command: ['/bin/sh', '-c', 'sleep 300 & wait'],
        env: [{ name: marker.split('=')[0] as string, value: marker.split('=')[1] }],
      },
    });
    await vi.waitFor(
      () => expect(processesMarked(marker).length).toBeGreaterThanOrEqual(2),
      patience,
    );
    await supervisor.delete('stoppable');
    await vi.waitFor(() => expect(supervisor.get('stoppable')).toBeUndefined(), patience);
    expect(processesMarked(marker)).toEqual([]);
  });

  it('fails a task whose workingDir the main container lacks before running it, and runs one in a directory it has', async () => {
    const missing = join(dir.path, 'missing');
    await supervisor.create({
      name: 'nowhere',
      process: { command: ['/bin/sh', '-c', 'pwd'], workingDir: missing },
    });
    // Not a command that ran and exited 1 (nsenter's own failure to change directory).
    expect(supervisor.get('nowhere')).toMatchObject({
      state: 'Failed',
      reason: 'StartFailed',
      message: `workingDir ${missing} does not exist in the main container's filesystem`,
    });
    await supervisor.create({
      name: 'somewhere',
      process: { command: ['/bin/sh', '-c', 'pwd'], workingDir: dir.path },
    });
    expect((await output('somewhere'))?.trim()).toBe(dir.path);
  });

  it('fails a task with a clear reason when no main container process is found', async () => {
    const other = await ProcessSupervisor.open({
      dataDir: join(dir.path, 'other'),
      sidecarMode: true,
      mainContainerName: `absent-${randomUUID()}`,
    });
    try {
      await other.create({ name: 'orphan', process: { command: ['true'] } });
      expect(other.get('orphan')).toMatchObject({
        state: 'Failed',
        reason: 'StartFailed',
        message: expect.stringContaining(`${mainContainerVariable}=absent-`),
      });
    } finally {
      await other.close();
    }
  });
});
