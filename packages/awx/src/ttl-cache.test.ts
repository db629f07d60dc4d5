import { describe, expect, it } from 'vitest';
import { TtlCache } from './ttl-cache.js';

describe('TtlCache', () => {
  it('keeps a value for its TTL, then loads it again; forgetting drops it at once', async () => {
    let now = 0;
    let loads = 0;
    const cache = new TtlCache<number>(1_000, () => now);
    const load = async () => ++loads;
    expect(await cache.get('a', load)).toEqual({ value: 1, cached: false });
    now = 999;
    expect(await cache.get('a', load)).toEqual({ value: 1, cached: true });
    now = 1_000;
    expect(await cache.get('a', load)).toEqual({ value: 2, cached: false });
    cache.forget('a');
    expect(await cache.get('a', load)).toEqual({ value: 3, cached: false });
  });

  it('caches nothing with a TTL of 0, and nothing that failed to load', async () => {
    const cache = new TtlCache<number>(0, () => 0);
    expect((await cache.get('a', async () => 1)).cached).toBe(false);
    expect((await cache.get('a', async () => 2)).value).toBe(2);
    const failing = new TtlCache<number>(1_000, () => 0);
    await expect(failing.get('a', async () => Promise.reject(new Error('down')))).rejects.toThrow();
    expect(await failing.get('a', async () => 5)).toEqual({ value: 5, cached: false });
  });
});
