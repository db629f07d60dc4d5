import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { TaskExecutorClient, type WireTask } from '../src/index.js';
import { type AgentProcess, killAgent, spawnAgent } from './agent-process.js';
import {
  isAlive,
  killTaskGroup,
  type ProcessRef,
  patience,
  processFrom,
  taskCgroupDirectory,
  temporaryDirectory,
} from './support.js';

/**
 * The agent killed with SIGKILL in the middle of its tasks' lives and started again on the
 * same data directory: every task comes back with its true state and exit code, and no
 * command runs twice.
 */
describe('roundhouse-task-executor across a SIGKILL and a restart', () => {
  const dir = temporaryDirectory('restart');
  const dataDir = join(dir.path, 'data');
  const file = (name: string) => join(dir.path, name);
  const flags = [
    `--data-dir=${dataDir}`,
    '--listen-addr=127.0.0.1:0',
    '--reconcile-interval=100ms',
    '--grace-period=2s',
  ];
  const agents: AgentProcess[] = [];
  const commands = new Map<string, ProcessRef>();

  afterAll(async () => {
    const last = agents.at(-1);
    if (last && last.child.exitCode === null) {
      const client = new TaskExecutorClient({ baseUrl: last.url });
      await client.setTasks([]);
      await vi.waitFor(async () => expect(await client.listTasks()).toEqual([]), patience);
    }
    for (const agent of agents) await killAgent(agent, 'SIGKILL');
    for (const command of commands.values()) killTaskGroup(command);
    dir.remove();
  });

  const script = (name: string, rest: string) => ({
    command: [
      '/bin/sh',
      '-c',
      `echo ran >> ${file(`${name}.runs`)}; echo $$ > ${file(`${name}.pid`)}; ${rest}`,
    ],
  });
  const runs = (name: string) => readFileSync(file(`${name}.runs`), 'utf8');
  const state = (task: WireTask | null) => task?.processStatus;

  it('recovers every task with the right state and exit code', async () => {
    const first = await spawnAgent(flags);
    agents.push(first);
    const client = new TaskExecutorClient({ baseUrl: first.url });
    await client.createTask({ name: 'done', process: script('done', 'exit 0') });
    await client.createTask({
      name: 'finisher',
      process: script('finisher', `until [ -e ${file('release')} ]; do sleep 0.05; done; exit 5`),
    });
    await client.createTask({ name: 'runner', process: script('runner', 'exec sleep 300') });
    await client.createTask({ name: 'lost', process: script('lost', 'exec sleep 300') });
    await client.createTask({
      name: 'timed',
      process: { ...script('timed', 'exec sleep 300'), timeoutSeconds: 2 },
    });
    await client.createTask({
      name: 'deleting',
      process: script('deleting', "trap '' TERM; sleep 300"),
    });
    await vi.waitFor(async () => {
      const tasks = await client.listTasks();
      expect(tasks.find((t) => t.name === 'done')?.processStatus?.terminated?.exitCode).toBe(0);
      for (const name of ['finisher', 'runner', 'lost', 'timed', 'deleting']) {
        expect(existsSync(file(`${name}.pid`))).toBe(true);
      }
    }, patience);
    for (const name of ['runner', 'lost', 'timed', 'deleting']) {
      commands.set(name, await processFrom(file(`${name}.pid`)));
    }
    const alive = (name: string) => isAlive(commands.get(name) as ProcessRef);
    const runner = await client.getTask('runner');
    await client.deleteTask('deleting');
    expect((await client.getTask('deleting'))?.deletionTimestamp).toBeTruthy();

    expect(await killAgent(first, 'SIGKILL')).toBeNull();

    // While no agent runs: one task finishes, one task's shim is killed, one deadline passes.
    writeFileSync(file('release'), '');
    await vi.waitFor(
      () => expect(existsSync(join(dataDir, 'finisher', 'exit'))).toBe(true),
      patience,
    );
    const lostShim = JSON.parse(readFileSync(join(dataDir, 'lost', 'task.json'), 'utf8')).runtime
      .pid;
    process.kill(lostShim, 'SIGKILL');
    const timedStart = Date.parse(
      JSON.parse(readFileSync(join(dataDir, 'timed', 'task.json'), 'utf8')).startedAt,
    );
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(timedStart + 2000), patience);

    const second = await spawnAgent(flags);
    agents.push(second);
    const again = new TaskExecutorClient({ baseUrl: second.url });

    expect(state(await again.getTask('done'))?.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Succeeded',
    });
    await vi.waitFor(async () => {
      expect(state(await again.getTask('finisher'))?.terminated).toMatchObject({
        exitCode: 5,
        reason: 'Failed',
      });
    }, patience);
    const adopted = await again.getTask('runner');
    expect(adopted).toMatchObject({ uid: runner?.uid, status: { phase: 'Running' } });
    expect(alive('runner')).toBe(true);
    // Only its shim was killed: its command runs on, and the task with it, until that ends.
    expect((await again.getTask('lost'))?.status?.phase).toBe('Running');
    expect(alive('lost')).toBe(true);
    process.kill((commands.get('lost') as ProcessRef).pid, 'SIGKILL');
    await vi.waitFor(async () => {
      const lost = await again.getTask('lost');
      expect(lost?.status?.phase).toBe('Unknown');
      expect(lost?.processStatus?.waiting?.reason).toBe('Unknown');
    }, patience);
    await vi.waitFor(async () => {
      expect(state(await again.getTask('timed'))?.terminated).toMatchObject({
        exitCode: 137,
        reason: 'TaskTimeout',
      });
    }, patience);
    await vi.waitFor(async () => expect(await again.getTask('deleting')).toBeNull(), patience);
    expect(alive('deleting')).toBe(false);
    expect(alive('timed')).toBe(false);

    for (const name of ['done', 'finisher', 'runner', 'lost', 'timed', 'deleting']) {
      expect(runs(name), `${name} ran once`).toBe('ran\n');
    }

    // The re-adopted task is under the new agent's control.
    await again.deleteTask('runner');
    await vi.waitFor(async () => expect(await again.getTask('runner')).toBeNull(), patience);
    expect(alive('runner')).toBe(false);
  });

  it('stops on SIGTERM with exit code 0 and leaves its tasks running', async () => {
    const agent = agents.at(-1) as AgentProcess;
    const client = new TaskExecutorClient({ baseUrl: agent.url });
    await client.createTask({
      name: 'keeps-going',
      process: script('keeps-going', 'exec sleep 300'),
    });
    const command = await processFrom(file('keeps-going.pid'));
    expect(await killAgent(agent, 'SIGTERM')).toBe(0);
    expect(agent.lines.at(-1)?.msg).toBe('stopped');
    commands.set('keeps-going', command);
    expect(isAlive(command)).toBe(true);
    const next = await spawnAgent(flags);
    agents.push(next);
    const nextClient = new TaskExecutorClient({ baseUrl: next.url });
    expect((await nextClient.getTask('keeps-going'))?.status?.phase).toBe('Running');
    await nextClient.deleteTask('keeps-going');
    await vi.waitFor(
      async () => expect(await nextClient.getTask('keeps-going')).toBeNull(),
      patience,
    );
    expect(isAlive(command)).toBe(false);
  });
});

/**
 * `--rerun-lost-tasks`: a task whose shim and command were both killed while the agent was down
 * is dropped at the restart, so the controller's next setTasks runs it again (at least once, as
 * OpenSandbox's agent). Without the flag it is Unknown and stays.
 */
describe('roundhouse-task-executor --rerun-lost-tasks', () => {
  const dir = temporaryDirectory('rerun-lost');
  const agents: AgentProcess[] = [];

  afterAll(async () => {
    for (const agent of agents) await killAgent(agent, 'SIGKILL');
    dir.remove();
  });

  /** Runs one task on an agent, SIGKILLs the agent, then kills the task's whole group. */
  async function loseTask(dataDir: string, name: string) {
    const flags = [
      `--data-dir=${dataDir}`,
      '--listen-addr=127.0.0.1:0',
      '--reconcile-interval=100ms',
    ];
    const runs = join(dir.path, `${name}.runs`);
    const pidFile = join(dir.path, `${name}.pid`);
    const task = {
      name,
      process: {
        command: ['/bin/sh', '-c', `echo ran >> ${runs}; echo $$ > ${pidFile}; exec sleep 300`],
      },
    };
    const agent = await spawnAgent(flags);
    agents.push(agent);
    await new TaskExecutorClient({ baseUrl: agent.url }).setTasks([task]);
    const command = await processFrom(pidFile);
    await killAgent(agent, 'SIGKILL');
    const record = JSON.parse(readFileSync(join(dataDir, name, 'task.json'), 'utf8'));
    process.kill(-record.runtime.pid, 'SIGKILL');
    await vi.waitFor(() => expect(isAlive(command)).toBe(false), patience);
    const cgroup = await taskCgroupDirectory(record.uid);
    if (cgroup) expect(existsSync(cgroup)).toBe(true);
    return { flags, task, cgroup, runs: () => readFileSync(runs, 'utf8') };
  }

  it('drops the lost task with the flag, so setTasks runs it again; keeps it Unknown without', async () => {
    const [rerun, keep] = await Promise.all([
      loseTask(join(dir.path, 'rerun'), 'vanished'),
      loseTask(join(dir.path, 'keep'), 'kept'),
    ]);

    const withFlag = await spawnAgent([...rerun.flags, '--rerun-lost-tasks']);
    agents.push(withFlag);
    const client = new TaskExecutorClient({ baseUrl: withFlag.url });
    expect(await client.getTask('vanished')).toBeNull();
    // Where tasks get cgroups, the dropped task's goes with it.
    if (rerun.cgroup) expect(existsSync(rerun.cgroup)).toBe(false);
    expect(withFlag.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', task: 'vanished' }),
    );
    await client.setTasks([rerun.task]);
    await vi.waitFor(() => expect(rerun.runs()).toBe('ran\nran\n'), patience);
    expect((await client.getTask('vanished'))?.status?.phase).toBe('Running');

    const without = await spawnAgent(keep.flags);
    agents.push(without);
    const other = new TaskExecutorClient({ baseUrl: without.url });
    await vi.waitFor(async () => {
      expect((await other.getTask('kept'))?.status?.phase).toBe('Unknown');
    }, patience);
    await other.setTasks([keep.task]);
    expect(keep.runs()).toBe('ran\n');

    await client.setTasks([]);
    await other.setTasks([]);
    await vi.waitFor(async () => {
      expect(await client.listTasks()).toEqual([]);
      expect(await other.listTasks()).toEqual([]);
    }, patience);
  });
});

describe('roundhouse-task-executor flags', () => {
  it('warns loudly when told to listen beyond loopback without a token', async () => {
    const dir = temporaryDirectory('warn');
    const agent = await spawnAgent([
      `--data-dir=${dir.path}`,
      '--listen-addr=0.0.0.0:0',
      '--insecure-no-auth',
    ]);
    try {
      expect(agent.stderr()).toContain('WITHOUT AUTHENTICATION');
    } finally {
      await killAgent(agent, 'SIGKILL');
      dir.remove();
    }
  });

  it('takes a token file, and then serves only requests that carry it', async () => {
    const dir = temporaryDirectory('token');
    const tokenFile = join(dir.path, 'token');
    writeFileSync(tokenFile, 'file-token-7d2e\n');
    const agent = await spawnAgent(
      [`--data-dir=${join(dir.path, 'data')}`, '--listen-addr=0.0.0.0:0'],
      {
        AUTH_TOKEN_FILE: tokenFile,
      },
    );
    try {
      expect(agent.stderr()).not.toContain('WITHOUT AUTHENTICATION');
      expect((await fetch(`${agent.url}/getTasks`)).status).toBe(401);
      const client = new TaskExecutorClient({ baseUrl: agent.url, token: 'file-token-7d2e' });
      expect(await client.listTasks()).toEqual([]);
      expect(JSON.stringify(agent.lines)).not.toContain('file-token-7d2e');
    } finally {
      await killAgent(agent, 'SIGKILL');
      dir.remove();
    }
  });

  const runToExit = async (args: readonly string[]) => {
    const { spawnSync } = await import('node:child_process');
    return spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=@roundhouse/source',
        new URL('../src/cli.ts', import.meta.url).pathname,
        ...args,
      ],
      // An agent that starts instead of refusing fails the test rather than hanging it.
      { cwd: new URL('../../..', import.meta.url).pathname, encoding: 'utf8', timeout: 30_000 },
    );
  };

  it('exits with 2 and names the flag on bad configuration', async () => {
    const result = await runToExit(['--listen-addr=nowhere']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--listen-addr (LISTEN_ADDR)');
  });

  it('refuses to listen beyond loopback without a token, before touching the data directory', async () => {
    const dir = temporaryDirectory('no-token');
    try {
      const dataDir = join(dir.path, 'data');
      const result = await runToExit([`--data-dir=${dataDir}`, '--listen-addr=0.0.0.0:0']);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('--auth-token-file (AUTH_TOKEN_FILE)');
      expect(result.stderr).toContain('--insecure-no-auth');
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      dir.remove();
    }
  });

  it('refuses sidecar mode on loopback without a token: the main container shares that loopback', async () => {
    const dir = temporaryDirectory('sidecar-no-token');
    try {
      const dataDir = join(dir.path, 'data');
      const result = await runToExit([
        `--data-dir=${dataDir}`,
        '--listen-addr=127.0.0.1:0',
        '--enable-sidecar-mode',
      ]);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('--auth-token-file (AUTH_TOKEN_FILE)');
      expect(result.stderr).toContain('--enable-sidecar-mode');
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      dir.remove();
    }
  });
});
