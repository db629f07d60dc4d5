import { describe, expect, it } from 'vitest';
import { chooseWorkRoot } from './control-plane.js';

describe('chooseWorkRoot', () => {
  it('puts etcd data on /dev/shm when it has room for the write-ahead log', () => {
    expect(chooseWorkRoot(8 * 1024 ** 3, '/tmp')).toBe('/dev/shm');
  });

  it('falls back to the temp dir when /dev/shm is small or missing', () => {
    expect(chooseWorkRoot(64 * 1024 ** 2, '/tmp')).toBe('/tmp');
    expect(chooseWorkRoot(undefined, '/tmp')).toBe('/tmp');
  });
});
