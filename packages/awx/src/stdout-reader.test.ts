import { describe, expect, it } from 'vitest';
import { readLines, readTail } from './stdout-reader.js';

/** The bytes of `text` in chunks of `size`, cutting lines and characters anywhere. */
async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe('readTail', () => {
  it('keeps the last bytes, from a whole character', async () => {
    const text = `${'x'.repeat(10_000)}ééé end\n`;
    expect(await readTail(chunked(text, 7), 9)).toBe('éé end\n');
  });
});

describe('readLines', () => {
  const output = 'PLAY [é]\nTASK [a]\nok: [web-1]\nPLAY RECAP\n';

  it('gives every line, whatever the chunks cut', async () => {
    for (const size of [1, 2, 3, 5, 64]) {
      expect(await readLines(chunked(output, size), { skip: 0 })).toEqual({
        lines: ['PLAY [é]', 'TASK [a]', 'ok: [web-1]', 'PLAY RECAP'],
        total: 4,
      });
    }
  });

  it('skips the lines given before and counts them', async () => {
    expect(await readLines(chunked(output, 4), { skip: 3 })).toEqual({
      lines: ['PLAY RECAP'],
      total: 4,
    });
  });

  it('stops at the line `until` names: keeps none from it on, nor reads past it', async () => {
    let chunks = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of chunked(output, 4)) {
        chunks += 1;
        yield chunk;
      }
    }
    expect(await readLines(counted(), { skip: 1, until: 3 })).toEqual({
      lines: ['TASK [a]', 'ok: [web-1]'],
      total: 3,
    });
    // 'ok: [web-1]\n' ends in the eighth chunk of four bytes; the output has eleven.
    expect(chunks).toBe(8);
  });

  it('keeps the last lines within a count and within a byte budget', async () => {
    expect((await readLines(chunked(output, 4), { skip: 0, lastLines: 2 })).lines).toEqual([
      'ok: [web-1]',
      'PLAY RECAP',
    ]);
    expect((await readLines(chunked(output, 4), { skip: 0, maxBytes: 24 })).lines).toEqual([
      'ok: [web-1]',
      'PLAY RECAP',
    ]);
    expect((await readLines(chunked(output, 4), { skip: 0, lastLines: 0 })).lines).toEqual([]);
  });

  it('keeps a last line longer than the byte budget, and one without its newline', async () => {
    expect(await readLines(chunked('a\nlong last line', 3), { skip: 0, maxBytes: 4 })).toEqual({
      lines: ['long last line'],
      total: 2,
    });
  });

  it('leaves out a line longer than maxLineBytes, saying how long it was', async () => {
    const output = `a\n${'x'.repeat(100)}\nb\n${'y'.repeat(50)}`;
    expect(await readLines(chunked(output, 7), { skip: 0, maxLineBytes: 40 })).toEqual({
      lines: [
        'a',
        '(a line of 100 bytes left out: longer than 40 bytes)',
        'b',
        '(a line of 50 bytes left out: longer than 40 bytes)',
      ],
      total: 4,
    });
  });

  it('numbers lines as the events do when asked: each escaped newline counts one more', async () => {
    // ansible-runner numbered 'two' line 1 and 'three' line 2: a newline without a carriage
    // return, which the download shows escaped. `\\n` is a backslash and an n, no newline.
    const download = 'one\ntwo\\nthree\nfour \\\\n\nfive\n';
    const selection = { skip: 1, until: 4, countsEscapedNewlines: true };
    for (const size of [1, 2, 3, 64]) {
      expect(await readLines(chunked(download, size), selection)).toEqual({
        lines: ['two\\nthree', 'four \\\\n'],
        total: 4,
      });
    }
  });

  it('reads nothing from an empty output', async () => {
    expect(await readLines(chunked('', 1), { skip: 0 })).toEqual({ lines: [], total: 0 });
  });
});
