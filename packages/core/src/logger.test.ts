import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { type Logger, noopLogger } from './logger.js';

function logThrough(logger: Logger): void {
  logger.info({ job: 'wfe-1', attempt: 2 }, 'created Job');
  logger.error({ reason: 'Forbidden' }, 'create failed');
}

describe('Logger', () => {
  it('is satisfied by pino, fields first', () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    logThrough(pino({ base: null, timestamp: false }, sink));
    expect(lines).toEqual([
      { level: 30, job: 'wfe-1', attempt: 2, msg: 'created Job' },
      { level: 50, reason: 'Forbidden', msg: 'create failed' },
    ]);
  });

  it('is satisfied by console', () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    logThrough(console);
    expect(info).toHaveBeenCalledWith({ job: 'wfe-1', attempt: 2 }, 'created Job');
    expect(error).toHaveBeenCalledWith({ reason: 'Forbidden' }, 'create failed');
    info.mockRestore();
    error.mockRestore();
  });

  it('has a silent default', () => {
    const info = vi.spyOn(console, 'info');
    logThrough(noopLogger);
    expect(info).not.toHaveBeenCalled();
    info.mockRestore();
  });
});
