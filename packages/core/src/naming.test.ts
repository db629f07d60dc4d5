import { describe, expect, it } from 'vitest';
import { kubernautConventions } from './conventions.js';
import { executionResourceName } from './naming.js';

describe('executionResourceName', () => {
  // Expected values computed with `printf '%s' TARGET | sha256sum`, independently of this code.
  it.each([
    ['default/deployment/my-app', 'wfe-c00449355dfb987a'],
    ['deployment/my-app', 'wfe-2d8c22c2d58f24e9'],
    ['production/statefulset/postgres', 'wfe-fbf7a99c536b9509'],
    ['ns/kind/ünïcødé', 'wfe-5361b6cc2c141e7b'],
  ])('%s -> %s (byte-identical to kubernaut)', (target, name) => {
    expect(executionResourceName(target)).toBe(name);
    expect(executionResourceName(target, kubernautConventions.namePrefix)).toBe(name);
  });

  it('hashes only the target: same name for any engine, namespace or execution', () => {
    expect(executionResourceName('a/b/c')).toBe(executionResourceName('a/b/c'));
    expect(executionResourceName('a/b/c')).not.toBe(executionResourceName('a/b/d'));
  });

  it('is always a 20-character DNS label with the default prefix', () => {
    const name = executionResourceName('x'.repeat(5000));
    expect(name).toMatch(/^wfe-[0-9a-f]{16}$/);
  });
});
