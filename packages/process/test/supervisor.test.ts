import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it, vi } from 'vitest';
import { ProcessSupervisor } from '../src/index.js';
import { removeAllTasks } from './in-process-agent.js';
import { useSupervisor } from './supervisor.test-support.js';
import { patience } from './support.js';

describe('the process supervisor', () => {
  const agent = useSupervisor('supervisor');

  it('runs a command with its arguments, environment and working directory, and keeps its output', async () => {
    await agent.supervisor.create({
      name: 'echo',
      process: {
        command: [
          '/bin/sh',
          '-c',
          'printf "%s|%s|%s\\n" "$1" "$GREETING" "$PWD"; echo oops >&2; exit 3',
          'sh',
        ],
        args: ['it\'s "quoted" $(not run)'],
        env: [{ name: 'GREETING', value: 'hello world' }],
        workingDir: agent.dir.path,
      },
    });
    const task = await agent.settled('echo');
    expect(task).toMatchObject({ state: 'Failed', reason: 'Failed', exitCode: 3 });
    const printed = `it's "quoted" $(not run)|hello world|${agent.dir.path}\n`;
    expect(await agent.supervisor.logs('echo', 'stdout', 1024)).toEqual({
      content: printed,
      size: Buffer.byteLength(printed),
      truncated: false,
      offset: 0,
      end: Buffer.byteLength(printed),
    });
    expect((await agent.supervisor.logs('echo', 'stderr', 1024))?.content).toBe('oops\n');
    expect(readFileSync(join(agent.dataDir, 'echo', 'stdout.log'), 'utf8')).toContain(
      'hello world',
    );
  });

  it("gives tasks this process's minimal environment and the variables it is told to pass", async () => {
    process.env.ROUNDHOUSE_TEST_CREDENTIAL = 'held-by-the-host';
    process.env.ROUNDHOUSE_TEST_REGION = 'eu-west-1';
    const opened: ProcessSupervisor[] = [];
    const printed = async (name: string, options: { passEnvironment?: string[] }) => {
      const own = await ProcessSupervisor.open({
        dataDir: join(agent.dir.path, name),
        reconcileIntervalMs: 100,
        ...options,
      });
      opened.push(own);
      const script =
        'printf "[%s][%s][%s]" "$ROUNDHOUSE_TEST_CREDENTIAL" "$ROUNDHOUSE_TEST_REGION" "$PATH"';
      await own.create({ name, process: { command: ['sh', '-c', script] } });
      await vi.waitFor(() => expect(own.get(name)?.state).toBe('Succeeded'), patience);
      return (await own.logs(name, 'stdout', 1024))?.content;
    };
    try {
      expect(await printed('env-minimal', {})).toBe(`[][][${process.env.PATH}]`);
      expect(await printed('env-passed', { passEnvironment: ['ROUNDHOUSE_TEST_REGION'] })).toBe(
        `[][eu-west-1][${process.env.PATH}]`,
      );
    } finally {
      delete process.env.ROUNDHOUSE_TEST_CREDENTIAL;
      delete process.env.ROUNDHOUSE_TEST_REGION;
      for (const own of opened) {
        await removeAllTasks(own);
        await own.close();
      }
    }
  });

  it("keeps OpenSandbox's layout: the shim's pid in pid, the exit status in exit", async () => {
    await agent.supervisor.create({
      name: 'layout',
      process: { command: ['/bin/sh', '-c', 'exit 7'] },
    });
    const task = await agent.settled('layout');
    const file = (name: string) => readFileSync(join(agent.dataDir, 'layout', name), 'utf8');
    expect(file('pid')).toBe(String(task.runtime?.pid));
    expect(file('exit').trim()).toBe('7');
  });

  it('runs a task that names no working directory apart from the files that record it', async () => {
    // A status file of the task's own name, written where the task runs, must not be its status.
    await agent.supervisor.create({
      name: 'own-files',
      process: {
        command: [
          '/bin/sh',
          '-c',
          "pwd; printf '0\\n' > exit; echo {} > task.json; sleep 1; exit 3",
        ],
      },
    });
    const task = await agent.settled('own-files');
    expect(task).toMatchObject({ state: 'Failed', exitCode: 3 });
    const work = join(agent.dataDir, 'own-files', 'work');
    expect((await agent.supervisor.logs('own-files', 'stdout', 1024))?.content).toBe(`${work}\n`);
    expect(readFileSync(join(work, 'exit'), 'utf8')).toBe('0\n');
    expect(
      JSON.parse(readFileSync(join(agent.dataDir, 'own-files', 'task.json'), 'utf8')),
    ).toMatchObject({
      name: 'own-files',
      exitCode: 3,
    });
  });

  it('records a task that cannot start as failed, with the reason', async () => {
    await agent.supervisor.create({
      name: 'nowhere',
      process: { command: ['true'], workingDir: join(agent.dir.path, 'missing') },
    });
    expect(agent.supervisor.get('nowhere')).toMatchObject({
      state: 'Failed',
      reason: 'StartFailed',
      exitCode: 128,
      message: expect.stringContaining('does not exist'),
    });
  });

  it('says which way a workingDir is unusable, and follows a symbolic link to a directory', async () => {
    const file = join(agent.dir.path, 'a-file');
    writeFileSync(file, '');
    symlinkSync(join(agent.dir.path, 'missing'), join(agent.dir.path, 'dangling'));
    symlinkSync(agent.dir.path, join(agent.dir.path, 'linked'));
    const cases = [
      ['a-file', `workingDir ${file} is a file, not a directory`],
      ['dangling', `workingDir ${join(agent.dir.path, 'dangling')} does not exist`],
      [
        'under-a-file',
        `workingDir ${join(file, 'x')} does not exist: a part of the path is a file`,
      ],
    ] as const;
    for (const [name, message] of cases) {
      const workingDir = name === 'under-a-file' ? join(file, 'x') : join(agent.dir.path, name);
      await agent.supervisor.create({ name, process: { command: ['true'], workingDir } });
      expect(agent.supervisor.get(name), name).toMatchObject({
        state: 'Failed',
        reason: 'StartFailed',
        message,
      });
    }
    await agent.supervisor.create({
      name: 'linked',
      process: { command: ['pwd'], workingDir: join(agent.dir.path, 'linked') },
    });
    expect(await agent.settled('linked')).toMatchObject({ state: 'Succeeded' });
    // pwd prints the physical directory: the link's target.
    expect((await agent.supervisor.logs('linked', 'stdout', 1024))?.content).toBe(
      `${agent.dir.path}\n`,
    );
  });

  it('reports a command a signal killed with 128 plus its number, naming the signal', async () => {
    await agent.supervisor.create({
      name: 'signalled',
      process: { command: ['/bin/sh', '-c', 'kill -KILL $$'] },
    });
    expect(await agent.settled('signalled')).toMatchObject({
      state: 'Failed',
      reason: 'Failed',
      exitCode: 137,
      message: 'the process exited with code 137 (128 + 9: most likely killed by SIGKILL)',
    });
  });

  it('records a task whose arguments the kernel refuses as failed, not pending for ever', async () => {
    // One argument past the kernel's 128 KiB per-argument limit: exec fails with E2BIG.
    await agent.supervisor.create({
      name: 'huge-argument',
      process: { command: ['echo', 'x'.repeat(200_000)] },
    });
    expect(agent.supervisor.get('huge-argument')).toMatchObject({
      state: 'Failed',
      reason: 'StartFailed',
      exitCode: 128,
      message: expect.stringContaining('E2BIG'),
    });
  });

  it('applies desired sets sent at once one after the other, so the last one wins', async () => {
    const sleeper = (name: string) => ({ name, process: { command: ['sleep', '300'] } });
    const [first, second] = await Promise.all([
      agent.supervisor.sync([sleeper('set-a')]),
      agent.supervisor.sync([sleeper('set-b')]),
    ]);
    const kept = (tasks: { name: string; deletionTimestamp?: string }[]) =>
      tasks.filter((t) => t.name.startsWith('set-') && !t.deletionTimestamp).map((t) => t.name);
    expect(kept(first)).toEqual(['set-a']);
    expect(kept(second)).toEqual(['set-b']);
    expect(kept(agent.supervisor.list())).toEqual(['set-b']);
    await agent.supervisor.delete('set-b');
  });

  it('refuses a name that would leave the data directory, and creates nothing', async () => {
    for (const name of ['../escape', '..', 'a/b', '/abs']) {
      await expect(
        agent.supervisor.create({ name, process: { command: ['true'] } }),
      ).rejects.toBeInstanceOf(ConfigurationError);
      await expect(agent.supervisor.delete(name)).rejects.toBeInstanceOf(ConfigurationError);
    }
    expect(existsSync(join(agent.dir.path, 'escape'))).toBe(false);
  });

  it('re-adopts running tasks and reports ended ones after a restart', async () => {
    const release = join(agent.dir.path, 'release');
    await agent.supervisor.create({
      name: 'survivor',
      process: {
        command: ['/bin/sh', '-c', `until [ -e ${release} ]; do sleep 0.05; done; exit 4`],
      },
    });
    await agent.supervisor.create({ name: 'done-before', process: { command: ['true'] } });
    await agent.settled('done-before');
    await agent.restart();
    expect(agent.supervisor.get('survivor')).toMatchObject({ state: 'Running' });
    expect(agent.supervisor.get('done-before')).toMatchObject({ state: 'Succeeded', exitCode: 0 });
    writeFileSync(release, '');
    expect(await agent.settled('survivor')).toMatchObject({ state: 'Failed', exitCode: 4 });
  });
});
