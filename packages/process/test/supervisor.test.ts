import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '@roundhouse/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ProcessSupervisor } from '../src/index.js';
import { removeAllTasks } from './in-process-agent.js';
import { isAlive, patience, processFrom, temporaryDirectory } from './support.js';

describe('the process supervisor', () => {
  const dir = temporaryDirectory('supervisor');
  const dataDir = join(dir.path, 'data');
  let supervisor: ProcessSupervisor;

  beforeAll(async () => {
    supervisor = await ProcessSupervisor.open({
      dataDir,
      reconcileIntervalMs: 100,
      gracePeriodMs: 1000,
    });
  });

  afterAll(async () => {
    await removeAllTasks(supervisor);
    await supervisor.close();
    dir.remove();
  });

  const settled = async (name: string) =>
    vi.waitFor(() => {
      const task = supervisor.get(name);
      expect(task?.state).toMatch(/^(Succeeded|Failed|Unknown)$/);
      return task!;
    }, patience);

  it('runs a command with its arguments, environment and working directory, and keeps its output', async () => {
    await supervisor.create({
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
        workingDir: dir.path,
      },
    });
    const task = await settled('echo');
    expect(task).toMatchObject({ state: 'Failed', reason: 'Failed', exitCode: 3 });
    const printed = `it's "quoted" $(not run)|hello world|${dir.path}\n`;
    expect(await supervisor.logs('echo', 'stdout', 1024)).toEqual({
      content: printed,
      size: Buffer.byteLength(printed),
      truncated: false,
      offset: 0,
      end: Buffer.byteLength(printed),
    });
    expect((await supervisor.logs('echo', 'stderr', 1024))?.content).toBe('oops\n');
    expect(readFileSync(join(dataDir, 'echo', 'stdout.log'), 'utf8')).toContain('hello world');
  });

  it("gives tasks this process's minimal environment and the variables it is told to pass", async () => {
    process.env.ROUNDHOUSE_TEST_CREDENTIAL = 'held-by-the-host';
    process.env.ROUNDHOUSE_TEST_REGION = 'eu-west-1';
    const opened: ProcessSupervisor[] = [];
    const printed = async (name: string, options: { passEnvironment?: string[] }) => {
      const own = await ProcessSupervisor.open({
        dataDir: join(dir.path, name),
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
    await supervisor.create({ name: 'layout', process: { command: ['/bin/sh', '-c', 'exit 7'] } });
    const task = await settled('layout');
    const file = (name: string) => readFileSync(join(dataDir, 'layout', name), 'utf8');
    expect(file('pid')).toBe(String(task.runtime?.pid));
    expect(file('exit').trim()).toBe('7');
  });

  it('reads back a bounded tail of a long output', async () => {
    await supervisor.create({
      name: 'long-output',
      process: {
        command: ['/bin/sh', '-c', 'i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done'],
      },
    });
    await settled('long-output');
    const tail = await supervisor.logs('long-output', 'stdout', 16);
    expect(tail).toMatchObject({ content: 'ne1998\nline1999\n', truncated: true });
    expect(tail?.size).toBeGreaterThan(16_000);
  });

  it('runs a task that names no working directory apart from the files that record it', async () => {
    // A status file of the task's own name, written where the task runs, must not be its status.
    await supervisor.create({
      name: 'own-files',
      process: {
        command: [
          '/bin/sh',
          '-c',
          "pwd; printf '0\\n' > exit; echo {} > task.json; sleep 1; exit 3",
        ],
      },
    });
    const task = await settled('own-files');
    expect(task).toMatchObject({ state: 'Failed', exitCode: 3 });
    const work = join(dataDir, 'own-files', 'work');
    expect((await supervisor.logs('own-files', 'stdout', 1024))?.content).toBe(`${work}\n`);
    expect(readFileSync(join(work, 'exit'), 'utf8')).toBe('0\n');
    expect(JSON.parse(readFileSync(join(dataDir, 'own-files', 'task.json'), 'utf8'))).toMatchObject(
      {
        name: 'own-files',
        exitCode: 3,
      },
    );
  });

  it('keeps the newest output of a task that prints without end, within twice the kept size', async () => {
    const kept = 64 * 1024;
    const own = await ProcessSupervisor.open({
      dataDir: join(dir.path, 'bounded'),
      reconcileIntervalMs: 50,
      retainedLogBytes: kept,
    });
    try {
      const printed = 4 * 1024 * 1024;
      await own.create({
        name: 'chatty',
        process: {
          // The last line comes a second after the flood: a task that outpaces a rotation's
          // copying (here 4 MiB at once against 64 KiB kept) loses what follows its last copy
          // (task-log.ts), and this checks what is kept, not that.
          command: [
            '/bin/sh',
            '-c',
            `yes 'a line of output' | head -c ${printed}; sleep 1; echo last`,
          ],
        },
      });
      await vi.waitFor(() => expect(own.get('chatty')?.state).toBe('Succeeded'), patience);
      const files = ['stdout.log', 'stdout.log.1'].map((f) =>
        join(dir.path, 'bounded', 'chatty', f),
      );
      await vi.waitFor(() => {
        const onDisk = files.reduce((sum, f) => sum + (existsSync(f) ? statSync(f).size : 0), 0);
        expect(onDisk).toBeLessThanOrEqual(2 * kept);
      }, patience);
      const tail = await own.logs('chatty', 'stdout', 1024);
      expect(tail?.truncated).toBe(true);
      // The stream's size counts what rotations kept and emptied; what the task wrote between a
      // rotation's last read of the live file and its truncate, or past its last copy when the
      // task outpaced the copying, is lost uncounted (task-log.ts).
      expect(tail?.size).toBeGreaterThan(2 * kept);
      expect(tail?.size).toBeLessThanOrEqual(printed + 5);
      expect(tail?.content).toMatch(/a line of output\n.*last\n$/s);
    } finally {
      await removeAllTasks(own);
      await own.close();
    }
  });

  it('stops the whole process group on delete, grandchildren included, then removes the task', async () => {
    const grandchild = join(dir.path, 'grandchild.pid');
    await supervisor.create({
      name: 'tree',
      process: { command: ['/bin/sh', '-c', `sleep 300 & echo $! > ${grandchild}; wait`] },
    });
    const sleeper = await processFrom(grandchild);
    expect(isAlive(sleeper)).toBe(true);
    await supervisor.delete('tree');
    await vi.waitFor(() => expect(supervisor.get('tree')).toBeUndefined(), patience);
    expect(isAlive(sleeper)).toBe(false);
    expect(existsSync(join(dataDir, 'tree'))).toBe(false);
  });

  it('kills what ignores SIGTERM once the grace period is over', async () => {
    const grandchild = join(dir.path, 'stubborn.pid');
    await supervisor.create({
      name: 'stubborn',
      process: {
        command: ['/bin/sh', '-c', `trap '' TERM; sleep 300 & echo $! > ${grandchild}; wait`],
      },
    });
    const sleeper = await processFrom(grandchild);
    await supervisor.delete('stubborn');
    await vi.waitFor(() => expect(supervisor.get('stubborn')).toBeUndefined(), patience);
    // It ignored SIGTERM, so only the SIGKILL after the grace period can have ended it.
    expect(isAlive(sleeper)).toBe(false);
  });

  it('stops a task at its timeout and reports Timeout with exit code 137', async () => {
    const grandchild = join(dir.path, 'slow.pid');
    await supervisor.create({
      name: 'slow',
      process: {
        command: ['/bin/sh', '-c', `sleep 300 & echo $! > ${grandchild}; wait`],
        timeoutSeconds: 1,
      },
    });
    const sleeper = await processFrom(grandchild);
    const task = await settled('slow');
    expect(task).toMatchObject({ state: 'Failed', reason: 'Timeout', exitCode: 137 });
    await vi.waitFor(() => expect(isAlive(sleeper)).toBe(false), patience);
  });

  it('stops a task at its deadline, not at the next reconcile pass', async () => {
    // Passes 30 s apart: only a stop scheduled for the deadline itself can end it in time.
    const slow = await ProcessSupervisor.open({
      dataDir: join(dir.path, 'deadline'),
      reconcileIntervalMs: 30_000,
    });
    try {
      const started = Date.now();
      await slow.create({ name: 'due', process: { command: ['sleep', '60'], timeoutSeconds: 1 } });
      await vi.waitFor(() => expect(slow.get('due')?.state).toBe('Failed'), {
        timeout: 5000,
        interval: 20,
      });
      expect(slow.get('due')).toMatchObject({ reason: 'Timeout', exitCode: 137 });
      expect(Date.now() - started).toBeLessThan(1800);
    } finally {
      await removeAllTasks(slow);
      await slow.close();
    }
  });

  it('still reports Timeout when the shim dies during the timeout stop, and kills what is left', async () => {
    const grandchild = join(dir.path, 'stubborn-slow.pid');
    await supervisor.create({
      name: 'stubborn-slow',
      process: {
        command: ['/bin/sh', '-c', `trap '' TERM; sleep 300 & echo $! > ${grandchild}; wait`],
        timeoutSeconds: 1,
      },
    });
    const sleeper = await processFrom(grandchild);
    // Its command ignores SIGTERM, so the stop lasts the grace period; the shim dies inside it.
    await vi.waitFor(() => expect(supervisor.get('stubborn-slow')?.stop).toBeDefined(), patience);
    process.kill(supervisor.get('stubborn-slow')!.runtime!.pid, 'SIGKILL');
    const task = await settled('stubborn-slow');
    expect(task).toMatchObject({ state: 'Failed', reason: 'Timeout', exitCode: 137 });
    await vi.waitFor(() => expect(isAlive(sleeper)).toBe(false), patience);
  });

  it('reports Unknown, and does not run it again, when its shim dies without an exit status', async () => {
    const runs = join(dir.path, 'runs');
    await supervisor.create({
      name: 'orphaned',
      process: { command: ['/bin/sh', '-c', `echo ran >> ${runs}; exec sleep 300`] },
    });
    await vi.waitFor(() => expect(existsSync(runs)).toBe(true), patience);
    process.kill(supervisor.get('orphaned')!.runtime!.pid, 'SIGKILL');
    const task = await settled('orphaned');
    expect(task).toMatchObject({ state: 'Unknown', reason: 'Lost' });
    await supervisor.reconcile();
    expect(readFileSync(runs, 'utf8')).toBe('ran\n');
    await supervisor.delete('orphaned');
    await vi.waitFor(() => expect(supervisor.get('orphaned')).toBeUndefined(), patience);
  });

  it('records a task that cannot start as failed, with the reason', async () => {
    await supervisor.create({
      name: 'nowhere',
      process: { command: ['true'], workingDir: join(dir.path, 'missing') },
    });
    expect(supervisor.get('nowhere')).toMatchObject({
      state: 'Failed',
      reason: 'StartFailed',
      exitCode: 128,
      message: expect.stringContaining('does not exist'),
    });
  });

  it('records a task whose arguments the kernel refuses as failed, not pending for ever', async () => {
    // One argument past the kernel's 128 KiB per-argument limit: exec fails with E2BIG.
    await supervisor.create({
      name: 'huge-argument',
      process: { command: ['echo', 'x'.repeat(200_000)] },
    });
    expect(supervisor.get('huge-argument')).toMatchObject({
      state: 'Failed',
      reason: 'StartFailed',
      exitCode: 128,
      message: expect.stringContaining('E2BIG'),
    });
  });

  it('applies desired sets sent at once one after the other, so the last one wins', async () => {
    const sleeper = (name: string) => ({ name, process: { command: ['sleep', '300'] } });
    const [first, second] = await Promise.all([
      supervisor.sync([sleeper('set-a')]),
      supervisor.sync([sleeper('set-b')]),
    ]);
    const kept = (tasks: { name: string; deletionTimestamp?: string }[]) =>
      tasks.filter((t) => t.name.startsWith('set-') && !t.deletionTimestamp).map((t) => t.name);
    expect(kept(first)).toEqual(['set-a']);
    expect(kept(second)).toEqual(['set-b']);
    expect(kept(supervisor.list())).toEqual(['set-b']);
    await supervisor.delete('set-b');
  });

  it('refuses a name that would leave the data directory, and creates nothing', async () => {
    for (const name of ['../escape', '..', 'a/b', '/abs']) {
      await expect(
        supervisor.create({ name, process: { command: ['true'] } }),
      ).rejects.toBeInstanceOf(ConfigurationError);
      await expect(supervisor.delete(name)).rejects.toBeInstanceOf(ConfigurationError);
    }
    expect(existsSync(join(dir.path, 'escape'))).toBe(false);
  });

  it('re-adopts running tasks and reports ended ones after a restart', async () => {
    const release = join(dir.path, 'release');
    await supervisor.create({
      name: 'survivor',
      process: {
        command: ['/bin/sh', '-c', `until [ -e ${release} ]; do sleep 0.05; done; exit 4`],
      },
    });
    await supervisor.create({ name: 'done-before', process: { command: ['true'] } });
    await settled('done-before');
    await supervisor.close();
    supervisor = await ProcessSupervisor.open({
      dataDir,
      reconcileIntervalMs: 100,
      gracePeriodMs: 1000,
    });
    expect(supervisor.get('survivor')).toMatchObject({ state: 'Running' });
    expect(supervisor.get('done-before')).toMatchObject({ state: 'Succeeded', exitCode: 0 });
    writeFileSync(release, '');
    expect(await settled('survivor')).toMatchObject({ state: 'Failed', exitCode: 4 });
  });
});
