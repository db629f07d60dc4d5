import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type Logger as CoreLogger, RoundhouseError } from '@roundhouse/core';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger, endOutput } from './json-logger.js';

const name = 'roundhouse-workflowexecution-controller';

function capture(level: Parameters<typeof createLogger>[1]) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger(name, level, stream), lines };
}

class LockError extends RoundhouseError {
  readonly reason = 'ResourceLocked';
}

describe('createLogger', () => {
  it("is core's Logger as it is: fields first, then the message", () => {
    const { logger, lines } = capture('info');
    const core: CoreLogger = logger;
    core.info({ engine: 'job' }, 'created Job');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', engine: 'job', msg: 'created Job' }),
    ]);
    expect(new Date(lines[0]?.time as string).toISOString()).toBe(lines[0]?.time);
  });

  it("writes an object's name once, with the logger's own under `logger`", () => {
    const raw: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        raw.push(String(chunk));
        done();
      },
    });
    createLogger(name, 'info', stream).info({ namespace: 'ops', name: 'wfe-1' }, 'adopted Job');
    expect(raw[0]?.match(/"name":/g)).toHaveLength(1);
    expect(JSON.parse(raw[0] ?? '')).toMatchObject({
      logger: name,
      name: 'wfe-1',
      pid: process.pid,
    });
  });

  it('logs only at or above its level', () => {
    const { logger, lines } = capture('warn');
    logger.debug({}, 'noise');
    logger.info({}, 'progress');
    logger.warn({}, 'careful');
    logger.error({}, 'broken');
    expect(lines.map((l) => l.level)).toEqual(['warn', 'error']);
  });

  it('serializes an Error with its type, message, stack and cause', () => {
    const { logger, lines } = capture('info');
    const cause = new Error('connect ECONNREFUSED 10.0.0.1:443');
    logger.error({ err: new LockError('target busy', { cause }) }, 'reconcile failed');
    logger.error({ error: new TypeError('bad input') }, 'parse failed');
    expect(lines[0]?.err).toMatchObject({
      type: 'LockError',
      message: expect.stringContaining('target busy'),
      stack: expect.stringContaining('LockError'),
    });
    expect(JSON.stringify(lines[0]?.err)).toContain('ECONNREFUSED');
    expect(lines[1]?.error).toMatchObject({ type: 'TypeError', message: 'bad input' });
  });

  it('never writes a token, a password or what goes to AWX as extra_vars', () => {
    const { logger, lines } = capture('info');
    logger.info(
      {
        token: 's3cret-token',
        request: { headers: { authorization: 'Bearer abc' }, password: 'hunter2' },
        launch: { extra_vars: { db_password: 'p4ss' } },
      },
      'request',
    );
    const text = JSON.stringify(lines);
    for (const secret of ['s3cret-token', 'Bearer abc', 'hunter2', 'p4ss'])
      expect(text).not.toContain(secret);
    expect(lines[0]?.token).toBe('[REDACTED]');
  });

  it('ends its output with every line written in the order logged, the last one last', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roundhouse-log-'));
    try {
      const file = join(dir, 'out.log');
      const output = pino.destination({ dest: file, sync: false });
      const logger = createLogger(name, 'info', output);
      // Enough lines that a write is still in flight when the last one is logged.
      for (let i = 0; i < 2_000; i++) logger.info({ i }, 'working');
      logger.info({}, 'stopped');
      await endOutput(output);
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).toHaveLength(2_001);
      expect(lines.at(-1)?.msg).toBe('stopped');
      expect(lines.slice(0, -1).map((l) => l.i)).toEqual([...Array(2_000).keys()]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes controls, C1 and bidi characters an author wrote as JSON escapes, decoding to the same text', () => {
    const raw: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        raw.push(String(chunk));
        done();
      },
    });
    const logger = createLogger(name, 'info', stream);
    const forged = 'wfe-1\u009b2J\u202egnp.exe\u2028{"level":"info"}\u007f';
    logger.info({ name: forged }, `reconciled ${forged}`);
    expect(raw).toHaveLength(1);
    const line = raw[0] ?? '';
    expect(line).not.toMatch(/[\u007f-\u009f\u202e\u2028]/);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toMatchObject({ name: forged, msg: `reconciled ${forged}` });
  });
});
