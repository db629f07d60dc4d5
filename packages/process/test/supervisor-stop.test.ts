import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { cgroupDirectory, unifiedCgroupPath } from '../src/cgroup-paths.js';
import { ProcessSupervisor, snapshotFromRecord, type TaskRecord } from '../src/index.js';
import { shimScript } from '../src/shim.js';
import { TaskCgroups } from '../src/task-cgroups.js';
import { removeAllTasks } from './in-process-agent.js';
import { useSupervisor } from './supervisor.test-support.js';
import { isAlive, patience, processFrom } from './support.js';

// Only an agent that may make cgroups gives each task one (see task-cgroups.ts).
const taskCgroups = (await TaskCgroups.open('/proc')).unavailable === undefined;

/** The directory of the cgroup v2 a process is in, as this process sees it. */
function cgroupOf(pid: number): string {
  const path = unifiedCgroupPath(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
  const directory = cgroupDirectory(path ?? '', readFileSync('/proc/self/mountinfo', 'utf8'));
  if (!directory || !path?.includes('roundhouse-task-')) throw new Error(`${pid}: ${path}`);
  return directory;
}

/** The state letter of a process (`T` once stopped), from procfs. */
function processState(pid: number): string | undefined {
  return /\) (\S) /.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
}

describe('the process supervisor', () => {
  const agent = useSupervisor('supervisor-stop');

  it('stops the whole process group on delete, grandchildren included, then removes the task', async () => {
    const grandchild = join(agent.dir.path, 'grandchild.pid');
    await agent.supervisor.create({
      name: 'tree',
      process: { command: ['/bin/sh', '-c', `sleep 300 & echo $! > ${grandchild}; wait`] },
    });
    const sleeper = await processFrom(grandchild);
    expect(isAlive(sleeper)).toBe(true);
    await agent.supervisor.delete('tree');
    await vi.waitFor(() => expect(agent.supervisor.get('tree')).toBeUndefined(), patience);
    expect(isAlive(sleeper)).toBe(false);
    expect(existsSync(join(agent.dataDir, 'tree'))).toBe(false);
  });

  it('kills what ignores SIGTERM once the grace period is over', async () => {
    const grandchild = join(agent.dir.path, 'stubborn.pid');
    await agent.supervisor.create({
      name: 'stubborn',
      process: {
        command: ['/bin/sh', '-c', `trap '' TERM; sleep 300 & echo $! > ${grandchild}; wait`],
      },
    });
    const sleeper = await processFrom(grandchild);
    await agent.supervisor.delete('stubborn');
    await vi.waitFor(() => expect(agent.supervisor.get('stubborn')).toBeUndefined(), patience);
    // It ignored SIGTERM, so only the SIGKILL after the grace period can have ended it.
    expect(isAlive(sleeper)).toBe(false);
  });

  /** Rewrites a task's record as a supervisor killed right after writing it would leave it. */
  const recordAsLeft = (name: string, change: (record: TaskRecord) => TaskRecord) => () => {
    const path = join(agent.dataDir, name, 'task.json');
    writeFileSync(path, JSON.stringify(change(JSON.parse(readFileSync(path, 'utf8')))));
  };

  it('kills, after a restart, a deleted task whose SIGKILL was recorded but never sent', async () => {
    const grandchild = join(agent.dir.path, 'unsent-kill.pid');
    await agent.supervisor.create({
      name: 'unsent-kill',
      process: {
        command: ['/bin/sh', '-c', `trap '' TERM; sleep 300 & echo $! > ${grandchild}; wait`],
      },
    });
    const sleeper = await processFrom(grandchild);
    const past = new Date(Date.now() - 60_000).toISOString();
    await agent.restart(
      recordAsLeft('unsent-kill', (record) => ({
        ...record,
        deletionTimestamp: past,
        stop: { cause: 'Deleted', requestedAt: past, killedAt: past },
      })),
    );
    await vi.waitFor(() => expect(agent.supervisor.get('unsent-kill')).toBeUndefined(), patience);
    expect(isAlive(sleeper)).toBe(false);
  });

  it('sends, after a restart, the SIGTERM of a stop that was recorded but never sent', async () => {
    // A grace period longer than the wait below: only a SIGTERM can end the task in time.
    const dataDir = join(agent.dir.path, 'unsent-term');
    const open = () => ProcessSupervisor.open({ dataDir, gracePeriodMs: 60_000 });
    const marker = join(agent.dir.path, 'unsent-term.got');
    let supervisor = await open();
    try {
      await supervisor.create({
        name: 'graceful',
        process: {
          command: [
            '/bin/sh',
            '-c',
            `trap 'echo term > ${marker}; exit 0' TERM; echo $$ > ${marker}.pid; sleep 300 & wait`,
          ],
        },
      });
      // Its trap is set: a SIGTERM from now on reaches it.
      await processFrom(`${marker}.pid`);
      await supervisor.close();
      const now = new Date().toISOString();
      const path = join(dataDir, 'graceful', 'task.json');
      const record: TaskRecord = JSON.parse(readFileSync(path, 'utf8'));
      const stopped = {
        ...record,
        deletionTimestamp: now,
        stop: { cause: 'Deleted', requestedAt: now },
      };
      writeFileSync(path, JSON.stringify(stopped));
      supervisor = await open();
      await vi.waitFor(() => expect(supervisor.get('graceful')).toBeUndefined(), patience);
      expect(readFileSync(marker, 'utf8')).toBe('term\n');
    } finally {
      await removeAllTasks(supervisor);
      await supervisor.close();
    }
  });

  it('ends, without running it, a command whose stop came between the shim getting go and forking it', async () => {
    // The injected hook: a shell that runs the shim stopped (SIGSTOP) right before its fork, so
    // the stop's SIGTERM certainly reaches the shim before the command exists.
    const paused = shimScript.replace("trap ':' TERM\n", (line) => `${line}kill -STOP $$\n`);
    expect(paused).not.toBe(shimScript);
    const script = join(agent.dir.path, 'paused-shim.sh');
    const shell = join(agent.dir.path, 'paused-sh');
    writeFileSync(script, paused);
    writeFileSync(shell, `#!/bin/sh\nshift 2\nexec /bin/sh -c "$(cat '${script}')" "$@"\n`, {
      mode: 0o755,
    });
    // A grace period longer than the wait below: only the SIGTERM can end the task in time.
    const dataDir = join(agent.dir.path, 'early-stop');
    const supervisor = await ProcessSupervisor.open({ dataDir, shell, gracePeriodMs: 60_000 });
    const ran = join(agent.dir.path, 'early-stop.ran');
    try {
      const { task } = await supervisor.create({
        name: 'early',
        process: { command: ['/bin/sh', '-c', `echo ran > ${ran}; sleep 300 & wait`] },
      });
      const shim = task.runtime!.pid;
      await vi.waitFor(() => expect(processState(shim)).toBe('T'), patience);
      await supervisor.delete('early');
      process.kill(shim, 'SIGCONT');
      await vi.waitFor(() => expect(supervisor.get('early')).toBeUndefined(), patience);
      expect(existsSync(ran)).toBe(false);
    } finally {
      await removeAllTasks(supervisor);
      await supervisor.close();
    }
  });

  it.each([
    ['before the shim read its go', /^if ! IFS= read/m],
    ['between the shim getting go and forking the command', /^\( if \[/m],
  ])('times a task out %s as a timeout whose command never started', async (_when, pauseAt) => {
    // The injected hook: the shim stopped (SIGSTOP) at that point, so the timeout's SIGTERM
    // certainly reaches it there.
    const paused = shimScript.replace(pauseAt, (line) => `kill -STOP $$\n${line}`);
    expect(paused).not.toBe(shimScript);
    const name = `timed-${pauseAt.source.length}`;
    const script = join(agent.dir.path, `${name}.sh`);
    const shell = join(agent.dir.path, `${name}-sh`);
    writeFileSync(script, paused);
    writeFileSync(shell, `#!/bin/sh\nshift 2\nexec /bin/sh -c "$(cat '${script}')" "$@"\n`, {
      mode: 0o755,
    });
    // A grace period longer than the wait below: only the SIGTERM can end the task in time.
    const dataDir = join(agent.dir.path, name);
    const signals: unknown[] = [];
    const ignore = () => {};
    const logger = {
      debug: ignore,
      warn: ignore,
      error: ignore,
      info: (fields: Record<string, unknown>) => void signals.push(fields.signal),
    };
    const supervisor = await ProcessSupervisor.open({
      dataDir,
      shell,
      gracePeriodMs: 60_000,
      reconcileIntervalMs: 100,
      logger,
    });
    const ran = join(agent.dir.path, `${name}.ran`);
    try {
      const { task } = await supervisor.create({
        name,
        process: { command: ['/bin/sh', '-c', `echo ran > ${ran}`], timeoutSeconds: 1 },
      });
      const shim = task.runtime!.pid;
      // The timeout's SIGTERM went out, to the stopped shim, before it may go on.
      await vi.waitFor(() => expect(signals).toContain('SIGTERM'), patience);
      process.kill(shim, 'SIGCONT');
      const ended = await vi.waitFor(() => {
        const record = supervisor.get(name);
        expect(record?.state).toBe('Failed');
        return record!;
      }, patience);
      expect(ended).toMatchObject({ reason: 'Timeout', exitCode: 143, commandStarted: false });
      expect(snapshotFromRecord(ended).started).toBe(false);
      expect(existsSync(ran)).toBe(false);
    } finally {
      await removeAllTasks(supervisor);
      await supervisor.close();
    }
  });

  it("kills, after a restart, a deleted task's preStart hook whose SIGKILL was recorded but never sent", async () => {
    const hookPid = join(agent.dir.path, 'unsent-hook-kill.pid');
    await agent.supervisor.create({
      name: 'unsent-hook-kill',
      process: {
        command: ['true'],
        lifecycle: {
          preStart: {
            exec: { command: ['/bin/sh', '-c', `echo $$ > ${hookPid}; exec sleep 300`] },
          },
        },
      },
    });
    const hook = await processFrom(hookPid);
    const past = new Date(Date.now() - 60_000).toISOString();
    await agent.restart(
      recordAsLeft('unsent-hook-kill', (record) => ({
        ...record,
        deletionTimestamp: past,
        hooks: {
          preStart: { ...record.hooks!.preStart!, killedAt: past, killCause: 'Deleted' },
        },
      })),
    );
    await vi.waitFor(
      () => expect(agent.supervisor.get('unsent-hook-kill')).toBeUndefined(),
      patience,
    );
    expect(isAlive(hook)).toBe(false);
  });

  // A daemon leaves the task's process group and session (setsid), and outlives the command.
  const daemonScript = (pids: string) =>
    `setsid /bin/sh -c 'trap "" TERM; sleep 300 & echo $! > ${pids}.child; echo $$ > ${pids}; wait' &`;

  it('stops a daemon the task left behind in a session of its own on delete after a restart, and what it started', async () => {
    const pids = join(agent.dir.path, 'daemon.pid');
    await agent.supervisor.create({
      name: 'daemonised',
      process: { command: ['/bin/sh', '-c', daemonScript(pids)] },
    });
    const daemon = await processFrom(pids);
    const child = await processFrom(`${pids}.child`);
    expect(await agent.settled('daemonised')).toMatchObject({ state: 'Succeeded' });
    expect(isAlive(daemon)).toBe(true);
    // A restarted supervisor knows the daemon only from the task's record.
    await agent.restart();
    await agent.supervisor.delete('daemonised');
    await vi.waitFor(() => expect(agent.supervisor.get('daemonised')).toBeUndefined(), patience);
    // The daemon ignores SIGTERM: the task is removed only once the SIGKILL has ended it.
    expect(isAlive(daemon)).toBe(false);
    expect(isAlive(child)).toBe(false);
  });

  it('stops a daemon the task started at its timeout', async () => {
    const pids = join(agent.dir.path, 'daemon-slow.pid');
    await agent.supervisor.create({
      name: 'daemonised-slow',
      process: { command: ['/bin/sh', '-c', `${daemonScript(pids)} wait`], timeoutSeconds: 1 },
    });
    const daemon = await processFrom(pids);
    expect(await agent.settled('daemonised-slow')).toMatchObject({
      state: 'Failed',
      reason: 'Timeout',
      exitCode: 137,
    });
    await vi.waitFor(() => expect(isAlive(daemon)).toBe(false), patience);
  });

  it.skipIf(!taskCgroups)(
    'stops, after a restart, a daemon the task double-forked with an environment of its own, in its own cgroup',
    async () => {
      const pids = join(agent.dir.path, 'env-cleared.pid');
      // `env -i` drops the task's marker; setsid and the exiting subshell leave its group,
      // session and process tree (re-parented to init).
      const daemon = `trap "" TERM; sleep 300 & echo $! > ${pids}.child; echo $$ > ${pids}; wait`;
      await agent.supervisor.create({
        name: 'env-cleared',
        process: { command: ['/bin/sh', '-c', `( setsid env -i /bin/sh -c '${daemon}' & )`] },
      });
      const parent = await processFrom(pids);
      const child = await processFrom(`${pids}.child`);
      expect(readFileSync(`/proc/${parent.pid}/environ`, 'utf8')).toBe('');
      const cgroup = cgroupOf(parent.pid);
      expect(await agent.settled('env-cleared')).toMatchObject({ state: 'Succeeded' });
      expect(isAlive(parent)).toBe(true);
      await agent.restart();
      await agent.supervisor.delete('env-cleared');
      await vi.waitFor(() => expect(agent.supervisor.get('env-cleared')).toBeUndefined(), patience);
      expect(isAlive(parent)).toBe(false);
      expect(isAlive(child)).toBe(false);
      expect(existsSync(cgroup)).toBe(false);
    },
  );

  it.skipIf(!taskCgroups)(
    'removes the cgroup of a finished task that left nothing behind, before the task is deleted',
    async () => {
      const pid = join(agent.dir.path, 'brief.pid');
      await agent.supervisor.create({
        name: 'brief',
        process: {
          command: [
            '/bin/sh',
            '-c',
            `echo $$ > ${pid}; while [ ! -e ${pid}.go ]; do sleep 0.05; done`,
          ],
        },
      });
      const shell = await processFrom(pid);
      const cgroup = cgroupOf(shell.pid);
      expect(existsSync(cgroup)).toBe(true);
      writeFileSync(`${pid}.go`, 'go\n');
      expect(await agent.settled('brief')).toMatchObject({ state: 'Succeeded' });
      await vi.waitFor(() => expect(existsSync(cgroup)).toBe(false), patience);
      expect(agent.supervisor.get('brief')).toBeDefined();
    },
  );

  it('stops a task at its timeout and reports Timeout with exit code 137', async () => {
    const grandchild = join(agent.dir.path, 'slow.pid');
    await agent.supervisor.create({
      name: 'slow',
      process: {
        command: ['/bin/sh', '-c', `sleep 300 & echo $! > ${grandchild}; wait`],
        timeoutSeconds: 1,
      },
    });
    const sleeper = await processFrom(grandchild);
    const task = await agent.settled('slow');
    expect(task).toMatchObject({ state: 'Failed', reason: 'Timeout', exitCode: 137 });
    await vi.waitFor(() => expect(isAlive(sleeper)).toBe(false), patience);
  });

  it('stops a task at its deadline, not at the next reconcile pass', async () => {
    // Passes 30 s apart: only a stop scheduled for the deadline itself can end it before the
    // wait below gives up, however loaded the machine.
    const slow = await ProcessSupervisor.open({
      dataDir: join(agent.dir.path, 'deadline'),
      reconcileIntervalMs: 30_000,
    });
    try {
      await slow.create({ name: 'due', process: { command: ['sleep', '60'], timeoutSeconds: 1 } });
      await vi.waitFor(() => expect(slow.get('due')?.state).toBe('Failed'), {
        timeout: 15_000,
        interval: 20,
      });
      expect(slow.get('due')).toMatchObject({ reason: 'Timeout', exitCode: 137 });
    } finally {
      await removeAllTasks(slow);
      await slow.close();
    }
  });

  it('still reports Timeout when the shim dies during the timeout stop, and kills what is left', async () => {
    const grandchild = join(agent.dir.path, 'stubborn-slow.pid');
    await agent.supervisor.create({
      name: 'stubborn-slow',
      process: {
        command: ['/bin/sh', '-c', `trap '' TERM; sleep 300 & echo $! > ${grandchild}; wait`],
        timeoutSeconds: 1,
      },
    });
    const sleeper = await processFrom(grandchild);
    // Its command ignores SIGTERM, so the stop lasts the grace period; the shim dies inside it.
    await vi.waitFor(
      () => expect(agent.supervisor.get('stubborn-slow')?.stop).toBeDefined(),
      patience,
    );
    process.kill(agent.supervisor.get('stubborn-slow')!.runtime!.pid, 'SIGKILL');
    const task = await agent.settled('stubborn-slow');
    expect(task).toMatchObject({ state: 'Failed', reason: 'Timeout', exitCode: 137 });
    await vi.waitFor(() => expect(isAlive(sleeper)).toBe(false), patience);
  });

  it('times out and stops a command whose shim died, which runs on unsupervised', async () => {
    const pidFile = join(agent.dir.path, 'unsupervised.pid');
    await agent.supervisor.create({
      name: 'unsupervised',
      process: {
        command: ['/bin/sh', '-c', `echo $$ > ${pidFile}; exec sleep 300`],
        timeoutSeconds: 2,
      },
    });
    const sleeper = await processFrom(pidFile);
    process.kill(agent.supervisor.get('unsupervised')!.runtime!.pid, 'SIGKILL');
    const task = await agent.settled('unsupervised');
    expect(task).toMatchObject({ state: 'Failed', reason: 'Timeout', exitCode: 137 });
    expect(isAlive(sleeper)).toBe(false);
  });

  it('reports Unknown, and does not run it again, when its shim dies without an exit status', async () => {
    const runs = join(agent.dir.path, 'runs');
    const pidFile = join(agent.dir.path, 'orphaned.pid');
    await agent.supervisor.create({
      name: 'orphaned',
      process: {
        command: ['/bin/sh', '-c', `echo ran >> ${runs}; echo $$ > ${pidFile}; exec sleep 300`],
      },
    });
    const sleeper = await processFrom(pidFile);
    process.kill(agent.supervisor.get('orphaned')!.runtime!.pid, 'SIGKILL');
    // Its command runs on without the shim: the task is still running until that ends.
    await agent.supervisor.reconcile();
    expect(agent.supervisor.get('orphaned')).toMatchObject({ state: 'Running' });
    process.kill(sleeper.pid, 'SIGKILL');
    const task = await agent.settled('orphaned');
    expect(task).toMatchObject({ state: 'Unknown', reason: 'Lost' });
    await agent.supervisor.reconcile();
    expect(readFileSync(runs, 'utf8')).toBe('ran\n');
    await agent.supervisor.delete('orphaned');
    await vi.waitFor(() => expect(agent.supervisor.get('orphaned')).toBeUndefined(), patience);
  });
});
