import { describe, expect, it } from 'vitest';
import { namespaceName } from './connection.js';

const rfc1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe('namespaceName', () => {
  it('keeps a readable prefix and appends the suffix', () => {
    expect(namespaceName('jobs', 'a1b2c3')).toBe('jobs-a1b2c3');
  });

  it('turns any prefix into a valid namespace name', () => {
    for (const prefix of [
      'Job Backend.test',
      '--x--',
      'ÄÖÜ',
      '',
      'a'.repeat(100),
      'tail-'.repeat(20),
    ]) {
      const name = namespaceName(prefix, 'a1b2c3');
      expect(name).toMatch(rfc1123Label);
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name.endsWith('-a1b2c3')).toBe(true);
    }
  });

  it('falls back to "test" when nothing of the prefix is usable', () => {
    expect(namespaceName('***', 'ff')).toBe('test-ff');
  });
});
