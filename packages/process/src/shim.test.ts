import { describe, expect, it } from 'vitest';
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
      args: ['-c', shimScript, shimName, '/data/t/exit', 'printf', '%s', "it's; rm -rf /"],
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
    expect(plan.args.slice(4)).toEqual([
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
    expect(parseExitFile('0\n')).toBe(0);
    expect(parseExitFile('143\n')).toBe(143);
  });

  it('reads an empty or partial file as no status yet', () => {
    expect(parseExitFile('')).toBeUndefined();
    expect(parseExitFile('14')).toBeUndefined();
    expect(parseExitFile('x\n')).toBeUndefined();
  });
});
