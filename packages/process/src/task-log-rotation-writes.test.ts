import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RotationStep, readTaskLog, rotateTaskLog } from './task-log.js';
import { fileIn, TaskOutput } from './task-log.test-support.js';

let out: TaskOutput;

beforeEach(() => {
  out = new TaskOutput();
  for (let i = 0; i < 20; i++) out.writeLine();
});

afterEach(() => {
  out.remove();
});

describe('a rotation while the task writes', () => {
  it('keeps what the task writes at every step, each byte at its position', async () => {
    const steps: RotationStep[] = [];
    const rotated = await rotateTaskLog(out.dir, 'stdout', 40, (step) => {
      steps.push(step);
      if (step !== 'checked') out.writeLine();
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
    expect(fileIn(out.dir, 'stdout.log.1')).toHaveLength(40);
    const read = await out.everything();
    expect(read).toMatchObject({
      size: out.written.length,
      end: out.written.length,
      truncated: true,
    });
    expect(read.content).toBe(out.written.slice(read.offset));
    // The lines written after the truncate are the live file, the 40 bytes before them the copy.
    expect(fileIn(out.dir, 'stdout.log')).toBe(out.written.slice(-33));
  });

  it('loses only what is written between the final check and the truncate, uncounted', async () => {
    let lost = '';
    await rotateTaskLog(out.dir, 'stdout', 40, (step) => {
      if (step === 'checked') lost = out.writeLine();
      else if (lost === '') out.writeLine();
    });
    const stream = out.written.replace(lost, '');
    expect(await out.everything()).toMatchObject({
      size: stream.length,
      offset: stream.length - 40,
    });
    expect((await out.everything()).content).toBe(stream.slice(-40));
    // Later output is placed that many bytes early: the stream a reader sees has no gap.
    const next = out.writeLine();
    expect(await out.read({ from: stream.length, limitBytes: 100 })).toMatchObject({
      content: next,
      offset: stream.length,
      truncated: false,
    });
  });

  it('copies the tail again when the task wrote more than it keeps since the copy', async () => {
    const steps: RotationStep[] = [];
    const flood = `${'x'.repeat(99)}\n`.repeat(1000);
    await rotateTaskLog(out.dir, 'stdout', 40, (step) => {
      steps.push(step);
      if (step === 'caught up' && !out.written.includes(flood)) {
        out.write(flood);
        out.writeLine();
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
    const read = await out.everything();
    expect(read).toMatchObject({ size: out.written.length, offset: out.written.length - 40 });
    expect(read.content).toBe(out.written.slice(-40));
    expect(fileIn(out.dir, 'stdout.log')).toBe('');
  });

  it('from a task that outpaces the copying, loses only what follows the last copy', async () => {
    const flood = `${'x'.repeat(99)}\n`;
    await rotateTaskLog(out.dir, 'stdout', 40, (step) => {
      if (step !== 'caught up') return;
      for (let i = 0; i < 1000; i++) out.write(flood);
    });
    const read = await out.everything();
    // What is counted is the stream up to the last copy, the kept copy its end.
    expect(read.size).toBeLessThan(out.written.length);
    expect(read).toMatchObject({ offset: read.size - 40, end: read.size });
    expect(read.content).toBe(out.written.slice(read.size - 40, read.size));
    expect(fileIn(out.dir, 'stdout.log')).toBe('');
  });

  it('copies at most 8 MiB at once, however much it keeps, and goes on copying after', async () => {
    const mebibyte = `${'y'.repeat(1023)}\n`.repeat(1024);
    const steps: RotationStep[] = [];
    const keep = 16 * 1024 * 1024;
    out.write(mebibyte.repeat(17));
    await rotateTaskLog(out.dir, 'stdout', keep, (step) => {
      steps.push(step);
      if (step === 'caught up' && steps.length === 4) {
        out.write(mebibyte.repeat(9));
        out.writeLine();
      }
    });
    expect(steps.filter((step) => step === 'caught up')).toHaveLength(2);
    const read = await readTaskLog(out.dir, 'stdout', { limitBytes: 100 });
    expect(read).toMatchObject({ size: out.written.length, content: out.written.slice(-100) });
    expect(statSync(join(out.dir, 'stdout.log.1')).size).toBe(keep);
  });

  it('reads and rotates a stream an earlier agent rotated', async () => {
    rmSync(join(out.dir, 'stdout.log'));
    writeFileSync(join(out.dir, 'stdout.log.1'), 'old kept\n');
    writeFileSync(join(out.dir, 'stdout.log.start'), '1000\n');
    out.write('live one\n');
    expect(await out.everything()).toMatchObject({
      content: 'old kept\nlive one\n',
      offset: 991,
      size: 1009,
    });
    out.write('live two\n');
    expect(await rotateTaskLog(out.dir, 'stdout', 10)).toBe(true);
    expect(existsSync(join(out.dir, 'stdout.log.start'))).toBe(false);
    expect(await out.everything()).toMatchObject({
      content: '\nlive two\n',
      offset: 1008,
      size: 1018,
    });
  });
});
