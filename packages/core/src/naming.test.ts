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

  // Computed by running kubernaut's ExecutionResourceName (pkg/workflowexecution/executor,
  // tekton.go at d5a4a87) under Go: the hash is of the target's UTF-8 bytes, whatever they are.
  it.each([
    ['the empty string', '', 'wfe-e3b0c44298fc1c14'],
    ['a cluster-scoped target', 'node/worker-node-1', 'wfe-ac45b7d6911e97a5'],
    ['CJK', 'prod/deployment/日本語', 'wfe-87763601f720742c'],
    ['a character outside the BMP', 'default/pod/😀', 'wfe-d3be1cbf316fba9b'],
    ['a 308-byte target', `a/b/${'z'.repeat(300)}`, 'wfe-c9453a346233bb2e'],
    ['a trailing space', 'default/deployment/my-app ', 'wfe-5e2b67b5bc8e7b6e'],
    ['a NUL', '\0', 'wfe-6e340b9cffb37a98'],
    ['"///"', '///', 'wfe-732c4e9711639ed1'],
  ])('names %s as kubernaut does', (_case, target, name) => {
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
