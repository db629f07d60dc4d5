import { describe, expect, it } from 'vitest';
import { Fifo } from './fifo.js';

describe('Fifo', () => {
  it('hands items out in order across its compactions', () => {
    const fifo = new Fifo<number>();
    const out: number[] = [];
    for (let i = 0; i < 5_000; i += 1) {
      fifo.push(i);
      if (i % 3 === 0) out.push(fifo.shift());
    }
    while (fifo.size > 0) out.push(fifo.shift());
    expect(out).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
    fifo.push(7);
    fifo.clear();
    expect(fifo.size).toBe(0);
  });
});
