import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { TaskExecutorClient, type WireTask } from '../src/index.js';
import { type AgentProcess, killAgent, spawnAgent } from './agent-process.js';
import { isAlive, patience, processFrom, temporaryDirectory } from './support.js';

/**
 * Lifecycle hooks (`preStart`, `postStop`) on the agent as a real process: what they do to a
 * task, that postStop runs exactly once, also across a SIGKILL of the agent, and that a
 * hook's timeout ends its whole process group.
 */
describe('roundhouse-task-executor lifecycle hooks', () => {
  const dir = temporaryDirectory('hooks');
  const file = (name: string) => join(dir.path, name);
  const read = (name: string) => (existsSync(file(name)) ? readFileSync(file(name), 'utf8') : '');
  const flags = [
    `--data-dir=${join(dir.path, 'data')}`,
    '--listen-addr=127.0.0.1:0',
    '--reconcile-interval=100ms',
    '--grace-period=2s',
  ];
  const agents: AgentProcess[] = [];
  let client: TaskExecutorClient;

  const start = async () => {
    const agent = await spawnAgent(flags);
    agents.push(agent);
    client = new TaskExecutorClient({ baseUrl: agent.url });
  };
  const sh = (script: string) => ({ exec: { command: ['/bin/sh', '-c', script] } });
  const until = (name: string) => `until [ -e ${file(name)} ]; do sleep 0.05; done`;
  const terminated = (name: string) =>
    vi.waitFor(async () => {
      const task = await client.getTask(name);
      expect(task?.processStatus?.terminated).toBeDefined();
      return task as WireTask;
    }, patience);
  const postStopEnded = (name: string) =>
    vi.waitFor(async () => {
      const task = await client.getTask(name);
      expect(task?.status?.hooks?.postStop?.reason).toMatch(/^PostStopHook(Completed|Failed)$/);
      return task as WireTask;
    }, patience);
  const gone = (name: string) =>
    vi.waitFor(async () => expect(await client.getTask(name)).toBeNull(), patience);
  /** Several reconcile passes, for a second run of a hook to show up if there were one. */
  const passes = () => new Promise((resolve) => setTimeout(resolve, 700));

  afterAll(async () => {
    const last = agents.at(-1);
    if (last && last.child.exitCode === null) {
      await client.setTasks([]);
      await vi.waitFor(async () => expect(await client.listTasks()).toEqual([]), patience);
    }
    for (const agent of agents) await killAgent(agent, 'SIGKILL');
    dir.remove();
  });

  it('runs preStart before the command, and a failing one keeps the command from running', async () => {
    await start();
    await client.createTask({
      name: 'prepared',
      process: {
        command: ['/bin/sh', '-c', `echo command >> ${file('prepared')}`],
        lifecycle: { preStart: sh(`sleep 0.3; echo preStart >> ${file('prepared')}`) },
      },
    });
    expect((await terminated('prepared')).processStatus?.terminated?.exitCode).toBe(0);
    expect(read('prepared')).toBe('preStart\ncommand\n');

    await client.createTask({
      name: 'unprepared',
      process: {
        command: ['/bin/sh', '-c', `echo ran > ${file('unprepared')}`],
        lifecycle: { preStart: sh('echo no space left; exit 3') },
      },
    });
    const task = await terminated('unprepared');
    expect(task.processStatus?.terminated).toMatchObject({
      exitCode: 1,
      reason: 'PreStartHookFailed',
      message: 'preStart hook exited with code 3; output: no space left',
    });
    await passes();
    expect(existsSync(file('unprepared'))).toBe(false);
    expect((await client.getTask('unprepared'))?.status?.phase).toBe('Failed');
  });

  it("caps a hook's output to its first and last bytes", async () => {
    await client.createTask({
      name: 'noisy',
      process: { command: ['true'], lifecycle: { preStart: sh('seq 1 200000; exit 1') } },
    });
    const message = (await terminated('noisy')).processStatus?.terminated?.message ?? '';
    expect(message).toContain('output: 1\n2\n3\n');
    expect(message).toContain('[... output elided ...]');
    expect(message.endsWith('199999\n200000')).toBe(true);
    expect(message.length).toBeLessThan(9000);
  });

  it('runs postStop once after the command exits on its own, and again never', async () => {
    await client.createTask({
      name: 'natural',
      process: {
        command: ['/bin/sh', '-c', 'exit 0'],
        lifecycle: { postStop: sh(`sleep 0.3; echo ran >> ${file('natural')}`) },
      },
    });
    const task = await postStopEnded('natural');
    expect(task.status?.hooks?.postStop?.reason).toBe('PostStopHookCompleted');
    expect(task.processStatus?.terminated).toMatchObject({ exitCode: 0, reason: 'Succeeded' });
    await passes();
    await client.deleteTask('natural');
    await gone('natural');
    expect(read('natural')).toBe('ran\n');
  });

  it('holds the postStop of a task whose shim died until the command, still running, is gone', async () => {
    await client.createTask({
      name: 'orphaned',
      process: {
        command: ['/bin/sh', '-c', `echo $$ > ${file('orphaned.pid')}; exec sleep 300`],
        lifecycle: { postStop: sh(`echo postStop >> ${file('orphaned')}`) },
      },
    });
    const command = await processFrom(file('orphaned.pid'));
    const record = join(dir.path, 'data', 'orphaned', 'task.json');
    const shim = JSON.parse(readFileSync(record, 'utf8')).runtime.pid as number;
    // The shim dies without an exit status: its command still runs, and the task with it.
    process.kill(shim, 'SIGKILL');
    await passes();
    expect(JSON.parse(readFileSync(record, 'utf8')).state).toBe('Running');
    expect(isAlive(command)).toBe(true);
    expect(read('orphaned')).toBe('');

    // Once the command is gone the task is lost (no status), and only then postStop runs.
    process.kill(command.pid, 'SIGKILL');
    const task = await postStopEnded('orphaned');
    expect(task.status?.phase).toBe('Unknown');
    expect(task.status?.hooks?.postStop?.reason).toBe('PostStopHookCompleted');
    expect(read('orphaned')).toBe('postStop\n');
  });

  it('stops a deleted task, runs its postStop once, and only then removes it', async () => {
    await client.createTask({
      name: 'deleted',
      process: {
        command: ['/bin/sh', '-c', `echo $$ > ${file('deleted.pid')}; exec sleep 300`],
        lifecycle: { postStop: sh(`sleep 0.5; echo ran >> ${file('deleted')}`) },
      },
    });
    const command = await processFrom(file('deleted.pid'));
    await client.deleteTask('deleted');
    await gone('deleted');
    expect(isAlive(command)).toBe(false);
    expect(read('deleted')).toBe('ran\n');
  });

  it('fails a task that succeeded when its postStop fails', async () => {
    await client.createTask({
      name: 'dirty',
      process: { command: ['true'], lifecycle: { postStop: sh('echo cannot clean; exit 2') } },
    });
    const task = await postStopEnded('dirty');
    expect(task.processStatus?.terminated).toMatchObject({
      exitCode: 1,
      reason: 'PostStopHookFailed',
    });
    expect(task.status?.hooks?.postStop).toMatchObject({
      reason: 'PostStopHookFailed',
      exitCode: 2,
    });
  });

  it("kills a hook's whole process group at its timeout, grandchildren included", async () => {
    await client.createTask({
      name: 'stuck',
      process: {
        command: ['/bin/sh', '-c', `echo ran > ${file('stuck')}`],
        lifecycle: {
          preStart: {
            ...sh(`sleep 300 & echo $! > ${file('stuck.grandchild')}; wait`),
            timeoutSeconds: 1,
          },
        },
      },
    });
    const grandchild = await processFrom(file('stuck.grandchild'));
    const task = await terminated('stuck');
    expect(task.processStatus?.terminated).toMatchObject({
      exitCode: 1,
      reason: 'PreStartHookFailed',
    });
    expect(task.processStatus?.terminated?.message).toContain('timed out after 1s');
    await vi.waitFor(() => expect(isAlive(grandchild)).toBe(false), patience);
    expect(existsSync(file('stuck'))).toBe(false);
  });

  it('runs postStop exactly once across a SIGKILL of the agent, whenever it comes', async () => {
    // Killed while the hook runs: the restarted agent adopts it rather than running it again.
    await client.createTask({
      name: 'during',
      process: {
        command: ['true'],
        lifecycle: {
          postStop: sh(
            `echo start >> ${file('during')}; ${until('during.go')}; echo end >> ${file('during')}`,
          ),
        },
      },
    });
    // Killed before the command ended: the restarted agent runs the hook once it has.
    await client.createTask({
      name: 'before',
      process: {
        command: ['/bin/sh', '-c', until('before.go')],
        lifecycle: { postStop: sh(`echo ran >> ${file('before')}`) },
      },
    });
    await vi.waitFor(() => expect(read('during')).toBe('start\n'), patience);
    await killAgent(agents.at(-1) as AgentProcess, 'SIGKILL');
    writeFileSync(file('before.go'), '');
    await start();
    writeFileSync(file('during.go'), '');
    for (const name of ['during', 'before']) {
      expect((await postStopEnded(name)).status?.hooks?.postStop?.reason).toBe(
        'PostStopHookCompleted',
      );
    }
    await passes();
    expect(read('during')).toBe('start\nend\n');
    expect(read('before')).toBe('ran\n');
  });
});
