import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rotateTaskLog, trimIncompleteEnd } from './task-log.js';
import { TaskOutput } from './task-log.test-support.js';

let out: TaskOutput;
const write = (text: string) => out.write(text);
const read = (range: { from?: number; limitBytes: number }) => out.read(range);
const onDisk = () =>
  readdirSync(out.dir)
    .filter((f) => f.startsWith('stdout.log') && !f.endsWith('.start'))
    .reduce((sum, f) => sum + statSync(join(out.dir, f)).size, 0);

beforeEach(() => {
  out = new TaskOutput();
});

afterEach(() => {
  out.remove();
});

describe("a task's output on disk", () => {
  it('reads as empty before the task wrote anything', async () => {
    expect(await read({ limitBytes: 100 })).toEqual({
      content: '',
      size: 0,
      truncated: false,
      offset: 0,
      end: 0,
    });
  });

  it('is left alone up to the kept size', async () => {
    write('0123456789');
    expect(await rotateTaskLog(out.dir, 'stdout', 10)).toBe(false);
    expect(await read({ limitBytes: 100 })).toMatchObject({ content: '0123456789', size: 10 });
  });

  it('keeps the last bytes past the kept size, and counts every byte written', async () => {
    write('a'.repeat(1000));
    write('0123456789');
    expect(await rotateTaskLog(out.dir, 'stdout', 10)).toBe(true);
    expect(onDisk()).toBe(10);
    write('abc');
    expect(await read({ limitBytes: 100 })).toEqual({
      content: '0123456789abc',
      size: 1013,
      truncated: true,
      offset: 1000,
      end: 1013,
    });
    expect(await read({ limitBytes: 5 })).toMatchObject({ content: '89abc', offset: 1008 });
  });

  it('stays within twice the kept size however much is written, keeping the newest', async () => {
    for (let i = 0; i < 50; i++) {
      write(`line ${i}\n`.repeat(20));
      await rotateTaskLog(out.dir, 'stdout', 64);
      expect(onDisk()).toBeLessThanOrEqual(128);
    }
    const tail = await read({ limitBytes: 1000 });
    expect(tail.content.endsWith('line 49\n')).toBe(true);
    const written = Array.from({ length: 50 }, (_, i) => `line ${i}\n`.repeat(20)).join('');
    expect(tail.size).toBe(Buffer.byteLength(written));
  });

  it('reads on from a position across rotations, each byte once, saying what was dropped', async () => {
    write('first\n');
    const start = await read({ from: 0, limitBytes: 100 });
    expect(start).toMatchObject({ content: 'first\n', offset: 0, end: 6, truncated: false });
    write('second\n');
    await rotateTaskLog(out.dir, 'stdout', 4);
    write('third\n');
    // Bytes 6 to 8 ("sec") were rotated away: the read resumes where output is kept, and says so.
    const next = await read({ from: start.end, limitBytes: 100 });
    expect(next).toMatchObject({ content: 'ond\nthird\n', offset: 9, end: 19, truncated: true });
    expect(await read({ from: next.end, limitBytes: 100 })).toMatchObject({
      content: '',
      offset: 19,
      end: 19,
      truncated: false,
    });
    expect(await read({ from: 9, limitBytes: 5 })).toMatchObject({ content: 'ond\nt', end: 14 });
  });

  it('never splits a character between two reads', async () => {
    write('a€b');
    const first = await read({ from: 0, limitBytes: 3 });
    expect(first).toMatchObject({ content: 'a', end: 1 });
    expect(await read({ from: first.end, limitBytes: 10 })).toMatchObject({ content: '€b' });
    expect((await read({ limitBytes: 3 })).content).toBe('b');
  });
});

describe('the end of a read', () => {
  it('is cut before a character it holds only part of', () => {
    const euro = new TextEncoder().encode('x€');
    expect(trimIncompleteEnd(euro.subarray(0, 2))).toEqual(euro.subarray(0, 1));
    expect(trimIncompleteEnd(euro.subarray(0, 3))).toEqual(euro.subarray(0, 1));
    expect(trimIncompleteEnd(euro)).toEqual(euro);
    expect(trimIncompleteEnd(new TextEncoder().encode('abc')).length).toBe(3);
  });
});
