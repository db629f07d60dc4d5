import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { capturedOutput, captureName, captureScript } from './hook-capture.js';

describe('the hook output capture', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capture-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs `script` through the capture with a cap of `bytes`; its status and the two files. */
  function capture(script: string, bytes: number) {
    const head = join(dir, 'head');
    const tail = join(dir, 'tail');
    let code = 0;
    try {
      execFileSync('/bin/sh', [
        '-c',
        captureScript,
        captureName,
        head,
        tail,
        String(bytes),
        'sh',
        '-c',
        script,
      ]);
    } catch (error) {
      code = (error as { status: number }).status;
    }
    return { code, head: readFileSync(head, 'utf8'), tail: readFileSync(tail, 'utf8') };
  }

  it("keeps stdout and stderr whole when they fit, and passes the hook's exit status on", () => {
    expect(capture('echo out; echo err >&2; exit 7', 100)).toEqual({
      code: 7,
      head: 'out\nerr\n',
      tail: '',
    });
  });

  it('keeps only the first and last bytes of a long output, one more at the end', () => {
    const result = capture('seq 1 1000', 8);
    expect(result.code).toBe(0);
    expect(result.head).toBe('1\n2\n3\n4\n');
    expect(result.tail).toBe('999\n1000\n');
  });

  it('quotes the kept parts, marking what was dropped between them', () => {
    expect(capturedOutput('a\n', 'z\n', false)).toBe('a\nz');
    expect(capturedOutput('a\n', 'z\n', true)).toBe('a\n\n[... output elided ...]\nz');
  });
});
