import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RotationStep, rotateTaskLog } from './task-log.js';
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
  // Copies the directory at each step of a rotation (what a crash there leaves), then writes a
  // line if `writesAt` says so; then checks what each copy reads as.
  const crashAtEveryStep = async (
    rotate: (onStep: (step: RotationStep) => void) => unknown,
    writesAt: (step: RotationStep, index: number) => boolean,
  ) => {
    const crashes: { directory: string; written: string }[] = [];
    const crashHere = () => {
      const directory = `${out.dir}-crash-${crashes.length}`;
      cpSync(out.dir, directory, { recursive: true });
      crashes.push({ directory, written: out.written });
    };
    try {
      await rotate((step) => {
        crashHere();
        if (writesAt(step, crashes.length - 1)) out.writeLine();
      });
      crashHere();
      for (const crash of crashes) {
        const live = fileIn(crash.directory, 'stdout.log');
        const kept = fileIn(crash.directory, 'stdout.log.1');
        const read = await out.everything(crash.directory);
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
    await rotateTaskLog(out.dir, 'stdout', 40);
    for (let i = 0; i < 10; i++) out.writeLine();
    const rotate = (onStep: (step: RotationStep) => void) =>
      rotateTaskLog(out.dir, 'stdout', 40, onStep);
    expect(await crashAtEveryStep(rotate, (step) => step !== 'checked')).toBe(9);
    // Without a crash, exactly there.
    expect(await out.everything()).toMatchObject({ size: out.written.length });
  });

  it('repeats output after a crash while it empties a stream it could not copy', async () => {
    await rotateTaskLog(out.dir, 'stdout', 40);
    for (let i = 0; i < 10; i++) out.writeLine();
    mkdirSync(join(out.dir, 'stdout.log.1.tmp'));
    const rotate = (onStep: (step: RotationStep) => void) =>
      rotateTaskLog(out.dir, 'stdout', 40, onStep).catch(() => undefined);
    // Measured, recorded; then, emptying anyway, recorded again and dropped: what is written
    // once it measured the live file again is lost (task-log.ts), so nothing is written then.
    expect(await crashAtEveryStep(rotate, (_, index) => index < 2)).toBe(5);
    expect(await out.everything()).toMatchObject({ size: out.written.length });
  });

  it('empties the live file when the copy cannot be written, still counting every byte', async () => {
    // Where the copy is written first is taken: the rotation cannot keep it (as on a full disk).
    mkdirSync(join(out.dir, 'stdout.log.1.tmp'));
    await expect(rotateTaskLog(out.dir, 'stdout', 40)).rejects.toMatchObject({ code: 'EISDIR' });
    expect(fileIn(out.dir, 'stdout.log')).toBe('');
    expect(existsSync(join(out.dir, 'stdout.log.1'))).toBe(false);
    expect(await out.everything()).toMatchObject({
      content: '',
      size: out.written.length,
      truncated: true,
    });
    const next = out.writeLine();
    expect(
      await out.read({ from: out.written.length - next.length, limitBytes: 100 }),
    ).toMatchObject({
      content: next,
      truncated: false,
    });
  });

  it('leaves the stream as it was when where the copy begins cannot be recorded', async () => {
    await rotateTaskLog(out.dir, 'stdout', 40);
    for (let i = 0; i < 10; i++) out.writeLine();
    const before = await out.everything();
    mkdirSync(join(out.dir, 'stdout.log.1.start.tmp'));
    await expect(rotateTaskLog(out.dir, 'stdout', 40)).rejects.toMatchObject({ code: 'EISDIR' });
    expect(await out.everything()).toEqual(before);
  });

  it.each<RotationStep>(['recorded', 'kept', 'caught up', 'checked', 'emptied'])(
    'empties the live file when it fails after %s, still counting every byte',
    async (at) => {
      const failure = new Error(`failed after ${at}`);
      let failed = false;
      const rotation = rotateTaskLog(out.dir, 'stdout', 40, (step) => {
        if (step !== 'checked' && !failed) out.writeLine();
        if (step === at && !failed) {
          failed = true;
          throw failure;
        }
      });
      await expect(rotation).rejects.toBe(failure);
      expect(fileIn(out.dir, 'stdout.log')).toBe('');
      expect(existsSync(join(out.dir, 'stdout.log.1'))).toBe(false);
      expect(await out.everything()).toMatchObject({ content: '', size: out.written.length });
    },
  );
});
