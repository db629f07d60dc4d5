import { describe, expect, it } from 'vitest';
import { cacheReflects } from './cache-version.js';

describe('cacheReflects', () => {
  it('holds a cache current to the write or past it as reflecting it, by integer order', () => {
    expect(cacheReflects('120', '120')).toBe(true);
    expect(cacheReflects('1000', '999')).toBe(true);
    // Compared as integers, not as text: "999" sorts after "1000".
    expect(cacheReflects('999', '1000')).toBe(false);
    expect(cacheReflects('18446744073709551616', '18446744073709551615')).toBe(true);
  });

  it('never calls a version it cannot order reflected', () => {
    expect(cacheReflects('', '12')).toBe(false);
    expect(cacheReflects('12', undefined)).toBe(false);
    expect(cacheReflects('a12', '3')).toBe(false);
    expect(cacheReflects('12', '3b')).toBe(false);
  });
});
