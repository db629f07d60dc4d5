import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, RoundhouseError } from '@roundhouse/core';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ControllerMainOptions, runControllerMain } from './controller-main.js';
import { endOutput } from './json-logger.js';

class UnreachableError extends RoundhouseError {
  readonly reason = 'ClusterUnusable';
}

interface Config {
  readonly level: 'debug' | 'info';
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs a main with its lines in a file and its complaints in a string, as a process would. */
async function run(
  options: Partial<ControllerMainOptions<Config>>,
  signal = new AbortController().signal,
) {
  const dir = mkdtempSync(join(tmpdir(), 'roundhouse-main-'));
  dirs.push(dir);
  const file = join(dir, 'out.jsonl');
  let stderr = '';
  const output = pino.destination({ dest: file, sync: false });
  const flushSync = vi.spyOn(output, 'flushSync');
  let ended = false;
  output.once('close', () => {
    ended = true;
  });
  const code = await runControllerMain<Config>({
    program: 'demo-controller',
    configure: () => ({ level: 'info' }),
    run: async () => {},
    output,
    errors: { write: (text: string) => (stderr += text) },
    signal,
    ...options,
  });
  // A main that stopped before logging leaves the output to its process's exit.
  if (!ended) await endOutput(output);
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, stderr, lines, flushSyncs: flushSync.mock.calls.length };
}

describe('runControllerMain', () => {
  it('exits 2 naming each bad flag on stderr, with the usage line, and starts nothing', async () => {
    let started = false;
    const result = await run({
      usage: 'Run demo-controller --help for usage.',
      configure: () => {
        throw new ConfigurationError([
          { path: '--workers', message: 'must be at least 1' },
          { path: '--wokers', message: 'unknown flag' },
        ]);
      },
      run: async () => {
        started = true;
      },
    });
    expect(result).toMatchObject({
      code: 2,
      stderr:
        'demo-controller: invalid flags\n  --workers: must be at least 1\n  --wokers: unknown flag\nRun demo-controller --help for usage.\n',
      lines: [],
    });
    expect(started).toBe(false);
  });

  it('exits 0 without logging when the command line only asked for help', async () => {
    expect(await run({ configure: () => undefined })).toMatchObject({
      code: 0,
      stderr: '',
      lines: [],
    });
  });

  it('prints the usage on --help and exits 0 without reading the configuration', async () => {
    let printed = '';
    let configured = false;
    const result = await run({
      argv: ['--workers=2', '--help'],
      help: () => 'Usage: demo-controller [flags]\n',
      helpOutput: { write: (text: string) => (printed += text) },
      configure: () => {
        configured = true;
        throw new ConfigurationError([{ path: '--help', message: 'unknown flag' }]);
      },
    });
    expect(result).toMatchObject({ code: 0, stderr: '', lines: [] });
    expect(printed).toBe('Usage: demo-controller [flags]\n');
    expect(configured).toBe(false);
  });

  it('exits 0 after a run that returns, its last line "stopped"', async () => {
    const result = await run({
      loggerName: 'roundhouse-demo',
      run: async (_config, { logger }) => logger.info({}, 'starting'),
    });
    expect(result.code).toBe(0);
    expect(result.lines.map((line) => [line.logger, line.msg])).toEqual([
      ['roundhouse-demo', 'starting'],
      ['roundhouse-demo', 'stopped'],
    ]);
  });

  it('serves health while it runs, says "starting" with the port, and closes the server after', async () => {
    let port = 0;
    let healthz = 0;
    const result = await run({
      run: async (_config, { serveHealth }) => {
        const server = await serveHealth(
          { port: 0, host: '127.0.0.1', ready: () => true },
          { node: 'a' },
        );
        port = server.port;
        healthz = (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
      },
    });
    expect(healthz).toBe(200);
    expect(result.lines.map((line) => [line.msg, line.port, line.node])).toEqual([
      ['starting', port, 'a'],
      ['stopped', undefined, undefined],
    ]);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('logs at the level the configuration asks for', async () => {
    const quiet = await run({ run: async (_config, { logger }) => logger.debug({}, 'detail') });
    expect(quiet.lines.map((line) => line.msg)).toEqual(['stopped']);
    const verbose = await run({
      configure: () => ({ level: 'debug' }),
      logLevel: (config) => config.level,
      run: async (_config, { logger }) => logger.debug({}, 'detail'),
    });
    expect(verbose.lines.map((line) => line.msg)).toEqual(['detail', 'stopped']);
  });

  it("exits 1 with one fatal line when it cannot start: a Roundhouse error's reason, no stack", async () => {
    const result = await run({
      run: async () => {
        throw new UnreachableError('cannot use the API server at https://10.0.0.1: ECONNREFUSED');
      },
    });
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([
      expect.objectContaining({
        level: 'fatal',
        reason: 'ClusterUnusable',
        msg: 'cannot run: cannot use the API server at https://10.0.0.1: ECONNREFUSED',
      }),
    ]);
    expect(result.lines[0]).not.toHaveProperty('err');
  });

  it('writes the fatal line after every line logged before it', async () => {
    // pino's fatal calls the output's flushSync, which writes its line ahead of a write still
    // in flight: the order then depends on the race, so the test checks it is never called.
    const result = await run({
      run: async (_config, { logger }) => {
        for (let i = 0; i < 2000; i++) logger.info({ i, padding: 'x'.repeat(1000) }, 'progress');
        throw new UnreachableError('the API server went away');
      },
    });
    expect(result.code).toBe(1);
    expect(result.lines).toHaveLength(2001);
    expect(result.lines.at(-1)).toMatchObject({ level: 'fatal' });
    expect(result.lines.slice(0, -1).map((line) => line.i)).toEqual(
      Array.from({ length: 2000 }, (_, i) => i),
    );
    expect(result.flushSyncs).toBe(0);
  });

  it('keeps the stack of an error nobody classified, which is a bug to report', async () => {
    const result = await run({
      run: async () => {
        throw new TypeError('undefined is not a function');
      },
    });
    expect(result.code).toBe(1);
    expect(result.lines[0]).toMatchObject({
      level: 'fatal',
      msg: 'cannot run: undefined is not a function',
      err: { type: 'TypeError', stack: expect.stringContaining('controller-main.test.ts') },
    });
  });

  it('treats an error thrown while stopping on the signal as the stop', async () => {
    const shutdown = new AbortController();
    const result = await run(
      {
        run: async (_config, { signal }) => {
          shutdown.abort(new Error('received SIGTERM'));
          throw signal.reason;
        },
      },
      shutdown.signal,
    );
    expect(result.code).toBe(0);
    expect(result.lines.map((line) => [line.level, line.msg])).toEqual([['info', 'stopped']]);
  });

  it('stops as on SIGTERM and exits 1 with one fatal line on a rejection nobody handled', async () => {
    let drained = false;
    // The test runner's own listeners, which would report the rejection as the test's failure.
    const runners = process.listeners('unhandledRejection');
    const result = await run({
      run: async (_config, { signal }) => {
        // A promise some code left without a handler rejects: Node would end the process
        // at once, with a stack on standard error, no drain and the Lease unreleased.
        for (const listener of runners) process.off('unhandledRejection', listener);
        try {
          process.emit('unhandledRejection', new TypeError('boom'), Promise.resolve());
        } finally {
          for (const listener of runners) process.on('unhandledRejection', listener);
        }
        if (!signal.aborted)
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        drained = true;
      },
    });
    expect(drained).toBe(true);
    expect(result.code).toBe(1);
    expect(result.lines).toHaveLength(1);
    expect(result.lines[0]).toMatchObject({
      level: 'fatal',
      msg: 'cannot run: unhandled rejection: boom',
      err: { type: 'TypeError' },
    });
    expect(process.listeners('unhandledRejection')).toEqual(runners);
  });
});
