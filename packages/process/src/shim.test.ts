import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureName, captureScript } from './hook-capture.js';
import { launchPlan, parseExitFile, shimName, shimScript } from './shim.js';

describe('the launch plan', () => {
  it('hands a Local argv to the shim as arguments, never as a command string', () => {
    const plan = launchPlan({
      shell: '/bin/sh',
      exitFile: '/data/t/exit',
      argv: ['printf', '%s', "it's; rm -rf /"],
      target: { mode: 'Local' },
    });
    expect(plan).toEqual({
      file: '/bin/sh',
      args: ['-c', shimScript, shimName, '/data/t/exit', '', 'printf', '%s', "it's; rm -rf /"],
    });
  });

  it("captures a hook's output outside nsenter, where the agent's files are", () => {
    const plan = launchPlan({
      shell: '/bin/sh',
      exitFile: '/data/t/postStop.exit',
      argv: ['rm', '-rf', '/work'],
      target: { mode: 'Remote', nsenter: '/usr/bin/nsenter', targetPid: 77 },
      capture: {
        headFile: '/data/t/postStop.head',
        tailFile: '/data/t/postStop.tail',
        bytes: 4096,
      },
    });
    expect(plan.args.slice(3)).toEqual([
      '/data/t/postStop.exit',
      '',
      '/bin/sh',
      '-c',
      captureScript,
      captureName,
      '/data/t/postStop.head',
      '/data/t/postStop.tail',
      '4096',
      '/usr/bin/nsenter',
      '--target=77',
      '--pid',
      '--mount',
      '--net',
      '--uts',
      '--ipc',
      '--wd',
      '--',
      'rm',
      '-rf',
      '/work',
    ]);
  });

  it("runs a Remote argv through nsenter into the main container's PID, mount, network, UTS and IPC namespaces", () => {
    const plan = launchPlan({
      shell: '/bin/sh',
      exitFile: '/data/t/exit',
      argv: ['ls'],
      target: { mode: 'Remote', nsenter: '/usr/bin/nsenter', targetPid: 77 },
      workingDir: '/app',
    });
    expect(plan.args.slice(5)).toEqual([
      '/usr/bin/nsenter',
      '--target=77',
      '--pid',
      '--mount',
      '--net',
      '--uts',
      '--ipc',
      '--wd=/app',
      '--',
      'ls',
    ]);
  });

  it("uses the main container's working directory when the task names none", () => {
    const plan = launchPlan({
      shell: '/bin/sh',
      exitFile: '/x',
      argv: ['ls'],
      target: { mode: 'Remote', nsenter: 'nsenter', targetPid: 1 },
    });
    expect(plan.args).toContain('--wd');
  });
});

describe('the exit file', () => {
  it('reads a complete status', () => {
    expect(parseExitFile('0\n')).toEqual({ kind: 'exited', code: 0 });
    expect(parseExitFile('143\n')).toEqual({ kind: 'exited', code: 143 });
  });

  it("reads the never-started marker with the shim's pid", () => {
    expect(parseExitFile('never-started 4242\n')).toEqual({ kind: 'neverStarted', shimPid: 4242 });
  });

  it("reads the stopped-before-start marker with the shim's pid", () => {
    expect(parseExitFile('stopped-before-start 4242\n')).toEqual({
      kind: 'stoppedBeforeStart',
      shimPid: 4242,
    });
    expect(parseExitFile('stopped-before-start 4242')).toBeUndefined();
  });

  it('reads an empty or partial file as no outcome yet', () => {
    expect(parseExitFile('')).toBeUndefined();
    expect(parseExitFile('14')).toBeUndefined();
    expect(parseExitFile('x\n')).toBeUndefined();
    expect(parseExitFile('never-started 42')).toBeUndefined();
    expect(parseExitFile('never-started \n')).toBeUndefined();
  });
});

describe('the shim', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'roundhouse-shim-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * Runs the shim on `stdin` with a command that notes its run in `ran`, given `stopFile`
   * (none, as a hook's shim, by default).
   */
  function runShim(stdin: string, stopFile = '') {
    const exitFile = join(dir, 'exit');
    const ran = join(dir, 'ran');
    const shim = spawnSync(
      '/bin/sh',
      ['-c', shimScript, shimName, exitFile, stopFile, '/bin/sh', '-c', `echo ran >> ${ran}`],
      { input: stdin, encoding: 'utf8' },
    );
    return { shim, exitFile, ran };
  }

  it('writes the never-started marker with its pid and runs nothing when stdin ends before go', () => {
    const { shim, exitFile, ran } = runShim('');
    expect(shim.status).toBe(0);
    expect(readFileSync(exitFile, 'utf8')).toBe(`never-started ${shim.pid}\n`);
    expect(parseExitFile(readFileSync(exitFile, 'utf8'))).toEqual({
      kind: 'neverStarted',
      shimPid: shim.pid,
    });
    expect(existsSync(ran)).toBe(false);
  });

  it('treats any line but go, or go without its newline, as no permission to run', () => {
    for (const stdin of ['stop\n', 'go', 'go now\n']) {
      rmSync(join(dir, 'exit'), { force: true });
      const { shim, exitFile, ran } = runShim(stdin);
      expect(readFileSync(exitFile, 'utf8'), stdin).toBe(`never-started ${shim.pid}\n`);
      expect(existsSync(ran), stdin).toBe(false);
    }
  });

  it('never writes its marker over what the exit file holds, and says nothing of it', () => {
    writeFileSync(join(dir, 'exit'), '0\n');
    const { shim, exitFile } = runShim('');
    expect(readFileSync(exitFile, 'utf8')).toBe('0\n');
    expect(shim.stderr).toBe('');
  });

  it('runs the command on go and writes its status', () => {
    const { shim, exitFile, ran } = runShim('go\n');
    expect(shim.status).toBe(0);
    expect(readFileSync(exitFile, 'utf8')).toBe('0\n');
    expect(readFileSync(ran, 'utf8')).toBe('ran\n');
  });

  it('runs the command on go while its stop file does not exist', () => {
    const { exitFile, ran } = runShim('go\n', join(dir, 'stop'));
    expect(readFileSync(exitFile, 'utf8')).toBe('0\n');
    expect(readFileSync(ran, 'utf8')).toBe('ran\n');
  });

  it('ends as a SIGTERM would, without running the command, when its stop file exists on go', () => {
    // A stop whose SIGTERM came before the command was forked: the agent created the file first.
    const stopFile = join(dir, 'stop');
    writeFileSync(stopFile, '');
    const { shim, exitFile, ran } = runShim('go\n', stopFile);
    expect(shim.status).toBe(143);
    expect(parseExitFile(readFileSync(exitFile, 'utf8'))).toEqual({
      kind: 'stoppedBeforeStart',
      shimPid: shim.pid,
    });
    expect(existsSync(ran)).toBe(false);
  });

  it('takes a dangling link a task left as its stop file for the stop, as the agent took it', () => {
    // The agent's exclusive create found the name taken and sent its SIGTERM all the same.
    const stopFile = join(dir, 'stop');
    symlinkSync(join(dir, 'nowhere'), stopFile);
    const { shim, exitFile, ran } = runShim('go\n', stopFile);
    expect(shim.status).toBe(143);
    expect(parseExitFile(readFileSync(exitFile, 'utf8'))).toEqual({
      kind: 'stoppedBeforeStart',
      shimPid: shim.pid,
    });
    expect(existsSync(ran)).toBe(false);
  });

  it('writes the status 143 of a command that exits with it on its own', () => {
    const exitFile = join(dir, 'exit');
    const shim = spawnSync(
      '/bin/sh',
      ['-c', shimScript, shimName, exitFile, join(dir, 'stop'), '/bin/sh', '-c', 'exit 143'],
      { input: 'go\n', encoding: 'utf8' },
    );
    expect(shim.status).toBe(143);
    expect(readFileSync(exitFile, 'utf8')).toBe('143\n');
  });

  it('outlives a SIGTERM that comes before it reads go, and ends the stopped task without running it', async () => {
    // The injected pause: the shim stopped (SIGSTOP) right before its read, so the stop's
    // SIGTERM certainly comes while it waits for go.
    const paused = shimScript.replace(/^if ! IFS= read/m, (line) => `kill -STOP $$\n${line}`);
    expect(paused).not.toBe(shimScript);
    const exitFile = join(dir, 'exit');
    const stopFile = join(dir, 'stop');
    const ran = join(dir, 'ran');
    const shim = spawn(
      '/bin/sh',
      ['-c', paused, shimName, exitFile, stopFile, '/bin/sh', '-c', `echo ran >> ${ran}`],
      { stdio: ['pipe', 'ignore', 'ignore'] },
    );
    const exited = once(shim, 'exit');
    const pid = shim.pid as number;
    await vi.waitFor(() =>
      expect(/\) (\S) /.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1]).toBe('T'),
    );
    // As the agent stops a task: the stop file first, then SIGTERM; go was already sent.
    writeFileSync(stopFile, '');
    process.kill(pid, 'SIGTERM');
    shim.stdin.end('go\n');
    process.kill(pid, 'SIGCONT');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 143, signal: null });
    expect(parseExitFile(readFileSync(exitFile, 'utf8'))).toEqual({
      kind: 'stoppedBeforeStart',
      shimPid: pid,
    });
    expect(existsSync(ran)).toBe(false);
  });

  it.each(['/bin/sh', '/bin/bash'].filter((shell) => existsSync(shell)))(
    "runs the argv as a program, never as the shell's builtin of that name, as nsenter runs a Remote one (%s)",
    (shell) => {
      // `:` is a special builtin in every POSIX shell, found before any program on PATH; only
      // the shim's exec runs the program, which leaves a marker the builtin cannot.
      const bin = join(dir, 'bin');
      const marker = join(dir, 'marker');
      mkdirSync(bin);
      writeFileSync(join(bin, ':'), `#!/bin/sh\nprintf '%s\\n' "$*" > '${marker}'\n`, {
        mode: 0o755,
      });
      const exitFile = join(dir, 'exit');
      const shim = spawnSync(shell, ['-c', shimScript, shimName, exitFile, '', ':', 'a', 'b'], {
        input: 'go\n',
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
      });
      expect(shim.stderr).toBe('');
      expect(readFileSync(exitFile, 'utf8')).toBe('0\n');
      expect(existsSync(marker) && readFileSync(marker, 'utf8')).toBe('a b\n');
    },
  );
});
