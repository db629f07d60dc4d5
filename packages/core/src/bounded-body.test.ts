import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBoundedBody } from './bounded-body.js';

describe('readBoundedBody', () => {
  it('reads a body within the limit whole, across chunks and characters split between them', async () => {
    const euro = Buffer.from('€');
    const body = Readable.from([Buffer.from('price: '), euro.subarray(0, 1), euro.subarray(1)]);
    expect(await readBoundedBody(body, 10)).toEqual({ text: 'price: €', cut: false });
  });

  it('stops at the limit, keeps the first bytes and destroys the rest unread', async () => {
    const endless = new Readable({
      read() {
        this.push('x'.repeat(1024));
      },
    });
    const { text, cut } = await readBoundedBody(endless, 2500);
    expect(cut).toBe(true);
    expect(text).toBe('x'.repeat(2500));
    expect(endless.destroyed).toBe(true);
  });

  it('takes a body of strings, as a text stream gives them', async () => {
    expect(await readBoundedBody(Readable.from(['kind: ', 'x\n']), 100)).toEqual({
      text: 'kind: x\n',
      cut: false,
    });
  });
});
