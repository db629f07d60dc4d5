import { describe, expect, it } from 'vitest';
import { RoundRobin } from './round-robin.js';

describe('RoundRobin', () => {
  it('hands out one item per group in turn, each group in push order', () => {
    const rr = new RoundRobin<string>();
    for (const item of ['a1', 'a2', 'a3']) rr.push('a', item);
    rr.push('b', 'b1');
    rr.push('c', 'c1');
    rr.push('b', 'b2');
    const out: string[] = [];
    while (rr.size > 0) out.push(rr.shift());
    expect(out).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
  });

  it('puts a group that ran empty and is pushed to again behind the groups waiting', () => {
    const rr = new RoundRobin<string>();
    rr.push('a', 'a1');
    rr.push('b', 'b1');
    rr.push('b', 'b2');
    expect(rr.shift()).toBe('a1');
    rr.push('a', 'a2');
    expect([rr.shift(), rr.shift(), rr.shift()]).toEqual(['b1', 'a2', 'b2']);
    expect(rr.size).toBe(0);
  });
});
