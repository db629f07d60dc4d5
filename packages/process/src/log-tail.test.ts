import { describe, expect, it } from 'vitest';
import { trimPartialCharacter } from './log-tail.js';

describe('a log tail', () => {
  it('drops the continuation bytes a cut left at its start', () => {
    const bytes = new TextEncoder().encode('€ok');
    expect(new TextDecoder().decode(trimPartialCharacter(bytes.subarray(1)))).toBe('ok');
    expect(new TextDecoder().decode(trimPartialCharacter(bytes))).toBe('€ok');
  });

  it('never drops more than a character can hold', () => {
    const junk = new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x41]);
    expect(trimPartialCharacter(junk).length).toBe(2);
  });
});
