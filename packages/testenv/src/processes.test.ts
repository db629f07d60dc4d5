import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProcessStartError } from './errors.js';
import { lastLines, startProcess, waitUntilReady } from './processes.js';

describe('lastLines', () => {
  it('keeps the last non-empty lines', () => {
    expect(lastLines('a\n\nb\nc\n\n', 2)).toBe('b\nc');
  });
});

describe('startProcess', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'testenv-proc-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes stdout and stderr to its log', async () => {
    const log = join(dir, 'p.log');
    const p = await startProcess('echoer', 'sh', ['-c', 'echo out; echo err >&2'], log);
    await p.exited;
    expect((await readFile(log, 'utf8')).split('\n').sort()).toEqual(['', 'err', 'out']);
    expect(p.exit).toEqual({ code: 0, signal: null });
  });

  it('stops with SIGTERM', async () => {
    const p = await startProcess('sleeper', 'sleep', ['60'], join(dir, 's.log'));
    await p.stop(5_000);
    expect(p.exit?.signal).toBe('SIGTERM');
  });

  it('falls back to SIGKILL when SIGTERM is ignored', async () => {
    const p = await startProcess(
      'stubborn',
      'sh',
      ['-c', 'trap "" TERM; echo ready; while :; do sleep 0.1; done'],
      join(dir, 'k.log'),
    );
    await waitUntilReady(
      p,
      'trap installed',
      async () => (await readFile(p.logPath, 'utf8')).includes('ready'),
      10_000,
    );
    await p.stop(300);
    expect(p.exit?.signal).toBe('SIGKILL');
  });

  it('reports a process that dies while starting, with its log tail', async () => {
    const p = await startProcess(
      'crasher',
      'sh',
      ['-c', 'echo "fatal: bad flag" >&2; exit 2'],
      join(dir, 'c.log'),
    );
    const error = await waitUntilReady(p, 'never', async () => false, 10_000).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProcessStartError);
    expect((error as ProcessStartError).message).toContain('exited during start-up (code 2)');
    expect((error as ProcessStartError).logTail).toBe('fatal: bad flag');
  });

  it('reports a missing executable as a start error', async () => {
    const error = await startProcess('ghost', join(dir, 'nope'), [], join(dir, 'g.log')).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProcessStartError);
    expect(existsSync(join(dir, 'g.log'))).toBe(true);
  });
});
