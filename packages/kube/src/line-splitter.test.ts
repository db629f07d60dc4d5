import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.js';

const encoder = new TextEncoder();

describe('LineSplitter', () => {
  it('holds an unfinished line until a later chunk ends it', () => {
    const lines = new LineSplitter();
    expect(lines.push(encoder.encode('ab'))).toEqual([]);
    expect(lines.push(encoder.encode('c'))).toEqual([]);
    expect(lines.push(encoder.encode('d\ne\n\nf'))).toEqual(['abcd', 'e', '']);
    expect(lines.end()).toEqual(['f']);
    expect(lines.end()).toEqual([]);
  });

  it('joins a multi-byte character cut between two chunks', () => {
    const bytes = encoder.encode('größe: 3\n');
    const lines = new LineSplitter();
    // Byte 3 is the middle of "ö".
    expect(lines.push(bytes.slice(0, 3))).toEqual([]);
    expect(lines.push(bytes.slice(3))).toEqual(['größe: 3']);
    expect(lines.end()).toEqual([]);
  });

  it('gives every line of a chunk that holds many, and nothing for a stream that ends on a newline', () => {
    const lines = new LineSplitter();
    expect(lines.push(encoder.encode('one\ntwo\nthree\n'))).toEqual(['one', 'two', 'three']);
    expect(lines.end()).toEqual([]);
  });

  it('gives a line longer than its limit in pieces of the limit, whatever the chunks cut', () => {
    for (const size of [1, 3, 4, 100]) {
      const lines = new LineSplitter(4);
      const bytes = encoder.encode('abcdefghij\nxy\nabcd\nlast-line');
      const got: string[] = [];
      for (let at = 0; at < bytes.length; at += size)
        got.push(...lines.push(bytes.slice(at, at + size)));
      got.push(...lines.end());
      expect(got).toEqual(['abcd', 'efgh', 'ij', 'xy', 'abcd', 'last', '-lin', 'e']);
    }
  });

  it('holds no more than its limit of a line that never ends, nor cuts a surrogate pair', () => {
    const lines = new LineSplitter(3);
    expect(lines.push(encoder.encode('ab😀cd'))).toEqual(['ab', '😀c']);
    expect(lines.push(encoder.encode('efg'))).toEqual(['def']);
    expect(lines.end()).toEqual(['g']);
  });
});
