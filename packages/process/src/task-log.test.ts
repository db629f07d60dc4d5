import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RotationStep, readTaskLog, rotateTaskLog, trimIncompleteEnd } from './task-log.js';

let dir: string;
const write = (text: string) => appendFileSync(join(dir, 'stdout.log'), text);
const read = (range: { from?: number; limitBytes: number }) => readTaskLog(dir, 'stdout', range);
const onDisk = () =>
  readdirSync(dir)
    .filter((f) => f.startsWith('stdout.log') && !f.endsWith('.start'))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roundhouse-task-log-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
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
    expect(await rotateTaskLog(dir, 'stdout', 10)).toBe(false);
    expect(await read({ limitBytes: 100 })).toMatchObject({ content: '0123456789', size: 10 });
  });

  it('keeps the last bytes past the kept size, and counts every byte written', async () => {
    write('a'.repeat(1000));
    write('0123456789');
    expect(await rotateTaskLog(dir, 'stdout', 10)).toBe(true);
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
      await rotateTaskLog(dir, 'stdout', 64);
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
    await rotateTaskLog(dir, 'stdout', 4);
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

describe('a rotation while the task writes', () => {
  // Every line is numbered and as long as the others: a run of them is found once in the stream.
  let written = '';
  let lines = 0;
  const writeLine = () => {
    const line = `line ${String(lines++).padStart(5, '0')}\n`;
    write(line);
    written += line;
    return line;
  };
  const fileIn = (directory: string, name: string) =>
    existsSync(join(directory, name)) ? readFileSync(join(directory, name), 'latin1') : '';
  const everything = (directory = dir) =>
    readTaskLog(directory, 'stdout', { from: 0, limitBytes: 1024 * 1024 });

  beforeEach(() => {
    written = '';
    lines = 0;
    for (let i = 0; i < 20; i++) writeLine();
  });

  it('keeps what the task writes at every step, each byte at its position', async () => {
    const steps: RotationStep[] = [];
    const rotated = await rotateTaskLog(dir, 'stdout', 40, (step) => {
      steps.push(step);
      if (step !== 'checked') writeLine();
    });
    expect(rotated).toBe(true);
    // The copy grew by what was written meanwhile, so it was cut back to the kept size.
    expect(steps).toEqual([
      'measured',
      'recorded',
      'kept',
      'caught up',
      'checked',
      'emptied',
      'recorded',
      'kept',
    ]);
    expect(fileIn(dir, 'stdout.log.1')).toHaveLength(40);
    const read = await everything();
    expect(read).toMatchObject({ size: written.length, end: written.length, truncated: true });
    expect(read.content).toBe(written.slice(read.offset));
    // The lines written after the truncate are the live file, the 40 bytes before them the copy.
    expect(fileIn(dir, 'stdout.log')).toBe(written.slice(-33));
  });

  it('loses only what is written between the final check and the truncate, uncounted', async () => {
    let lost = '';
    await rotateTaskLog(dir, 'stdout', 40, (step) => {
      if (step === 'checked') lost = writeLine();
      else if (lost === '') writeLine();
    });
    const stream = written.replace(lost, '');
    expect(await everything()).toMatchObject({ size: stream.length, offset: stream.length - 40 });
    expect((await everything()).content).toBe(stream.slice(-40));
    // Later output is placed that many bytes early: the stream a reader sees has no gap.
    const next = writeLine();
    expect(await read({ from: stream.length, limitBytes: 100 })).toMatchObject({
      content: next,
      offset: stream.length,
      truncated: false,
    });
  });

  // Copies the directory at each step of a rotation (what a crash there leaves), then writes a
  // line if `writesAt` says so; then checks what each copy reads as.
  const crashAtEveryStep = async (
    rotate: (onStep: (step: RotationStep) => void) => unknown,
    writesAt: (step: RotationStep, index: number) => boolean,
  ) => {
    const crashes: { directory: string; written: string }[] = [];
    const crashHere = () => {
      const directory = `${dir}-crash-${crashes.length}`;
      cpSync(dir, directory, { recursive: true });
      crashes.push({ directory, written });
    };
    try {
      await rotate((step) => {
        crashHere();
        if (writesAt(step, crashes.length - 1)) writeLine();
      });
      crashHere();
      for (const crash of crashes) {
        const live = fileIn(crash.directory, 'stdout.log');
        const kept = fileIn(crash.directory, 'stdout.log.1');
        const read = await everything(crash.directory);
        expect(read.content).toBe(kept + live);
        // Where the read places each file is at or after where its bytes lie in the stream.
        expect(read.size - live.length).toBeGreaterThanOrEqual(crash.written.length - live.length);
        expect(crash.written.indexOf(kept)).toBeGreaterThanOrEqual(0);
        expect(read.offset).toBeGreaterThanOrEqual(crash.written.indexOf(kept));
      }
      return crashes.length;
    } finally {
      for (const crash of crashes) rmSync(crash.directory, { recursive: true, force: true });
    }
  };

  it('repeats output in a read after a crash at any step, and never skips any', async () => {
    await rotateTaskLog(dir, 'stdout', 40);
    for (let i = 0; i < 10; i++) writeLine();
    const rotate = (onStep: (step: RotationStep) => void) =>
      rotateTaskLog(dir, 'stdout', 40, onStep);
    expect(await crashAtEveryStep(rotate, (step) => step !== 'checked')).toBe(9);
    // Without a crash, exactly there.
    expect(await everything()).toMatchObject({ size: written.length });
  });

  it('repeats output after a crash while it empties a stream it could not copy', async () => {
    await rotateTaskLog(dir, 'stdout', 40);
    for (let i = 0; i < 10; i++) writeLine();
    mkdirSync(join(dir, 'stdout.log.1.tmp'));
    const rotate = (onStep: (step: RotationStep) => void) =>
      rotateTaskLog(dir, 'stdout', 40, onStep).catch(() => undefined);
    // Measured, recorded; then, emptying anyway, recorded again and dropped: what is written
    // once it measured the live file again is lost (task-log.ts), so nothing is written then.
    expect(await crashAtEveryStep(rotate, (_, index) => index < 2)).toBe(5);
    expect(await everything()).toMatchObject({ size: written.length });
  });

  it('copies the tail again when the task wrote more than it keeps since the copy', async () => {
    const steps: RotationStep[] = [];
    const flood = `${'x'.repeat(99)}\n`.repeat(1000);
    await rotateTaskLog(dir, 'stdout', 40, (step) => {
      steps.push(step);
      if (step === 'caught up' && !written.includes(flood)) {
        write(flood);
        written += flood;
        writeLine();
      }
    });
    // The first catching up copied a part and found no end: the next took the newest 40 bytes.
    expect(steps).toEqual([
      'measured',
      'recorded',
      'kept',
      'caught up',
      'recorded',
      'kept',
      'caught up',
      'checked',
      'emptied',
    ]);
    const read = await everything();
    expect(read).toMatchObject({ size: written.length, offset: written.length - 40 });
    expect(read.content).toBe(written.slice(-40));
    expect(fileIn(dir, 'stdout.log')).toBe('');
  });

  it('from a task that outpaces the copying, loses only what follows the last copy', async () => {
    const flood = `${'x'.repeat(99)}\n`;
    await rotateTaskLog(dir, 'stdout', 40, (step) => {
      if (step !== 'caught up') return;
      for (let i = 0; i < 1000; i++) write(flood);
      written += flood.repeat(1000);
    });
    const read = await everything();
    // What is counted is the stream up to the last copy, the kept copy its end.
    expect(read.size).toBeLessThan(written.length);
    expect(read).toMatchObject({ offset: read.size - 40, end: read.size });
    expect(read.content).toBe(written.slice(read.size - 40, read.size));
    expect(fileIn(dir, 'stdout.log')).toBe('');
  });

  it('copies at most 8 MiB at once, however much it keeps, and goes on copying after', async () => {
    const mebibyte = `${'y'.repeat(1023)}\n`.repeat(1024);
    const steps: RotationStep[] = [];
    const keep = 16 * 1024 * 1024;
    write(mebibyte.repeat(17));
    written += mebibyte.repeat(17);
    await rotateTaskLog(dir, 'stdout', keep, (step) => {
      steps.push(step);
      if (step === 'caught up' && steps.length === 4) {
        write(mebibyte.repeat(9));
        written += mebibyte.repeat(9);
        writeLine();
      }
    });
    expect(steps.filter((step) => step === 'caught up')).toHaveLength(2);
    const read = await readTaskLog(dir, 'stdout', { limitBytes: 100 });
    expect(read).toMatchObject({ size: written.length, content: written.slice(-100) });
    expect(statSync(join(dir, 'stdout.log.1')).size).toBe(keep);
  });

  it('empties the live file when the copy cannot be written, still counting every byte', async () => {
    // Where the copy is written first is taken: the rotation cannot keep it (as on a full disk).
    mkdirSync(join(dir, 'stdout.log.1.tmp'));
    await expect(rotateTaskLog(dir, 'stdout', 40)).rejects.toMatchObject({ code: 'EISDIR' });
    expect(fileIn(dir, 'stdout.log')).toBe('');
    expect(existsSync(join(dir, 'stdout.log.1'))).toBe(false);
    expect(await everything()).toMatchObject({
      content: '',
      size: written.length,
      truncated: true,
    });
    const next = writeLine();
    expect(await read({ from: written.length - next.length, limitBytes: 100 })).toMatchObject({
      content: next,
      truncated: false,
    });
  });

  it('leaves the stream as it was when where the copy begins cannot be recorded', async () => {
    await rotateTaskLog(dir, 'stdout', 40);
    for (let i = 0; i < 10; i++) writeLine();
    const before = await everything();
    mkdirSync(join(dir, 'stdout.log.1.start.tmp'));
    await expect(rotateTaskLog(dir, 'stdout', 40)).rejects.toMatchObject({ code: 'EISDIR' });
    expect(await everything()).toEqual(before);
  });

  it.each<RotationStep>(['recorded', 'kept', 'caught up', 'checked', 'emptied'])(
    'empties the live file when it fails after %s, still counting every byte',
    async (at) => {
      const failure = new Error(`failed after ${at}`);
      let failed = false;
      const rotation = rotateTaskLog(dir, 'stdout', 40, (step) => {
        if (step !== 'checked' && !failed) writeLine();
        if (step === at && !failed) {
          failed = true;
          throw failure;
        }
      });
      await expect(rotation).rejects.toBe(failure);
      expect(fileIn(dir, 'stdout.log')).toBe('');
      expect(existsSync(join(dir, 'stdout.log.1'))).toBe(false);
      expect(await everything()).toMatchObject({ content: '', size: written.length });
    },
  );

  it('reads and rotates a stream an earlier agent rotated', async () => {
    rmSync(join(dir, 'stdout.log'));
    writeFileSync(join(dir, 'stdout.log.1'), 'old kept\n');
    writeFileSync(join(dir, 'stdout.log.start'), '1000\n');
    write('live one\n');
    expect(await everything()).toMatchObject({
      content: 'old kept\nlive one\n',
      offset: 991,
      size: 1009,
    });
    write('live two\n');
    expect(await rotateTaskLog(dir, 'stdout', 10)).toBe(true);
    expect(existsSync(join(dir, 'stdout.log.start'))).toBe(false);
    expect(await everything()).toMatchObject({
      content: '\nlive two\n',
      offset: 1008,
      size: 1018,
    });
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
