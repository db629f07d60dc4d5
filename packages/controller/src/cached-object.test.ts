import { describe, expect, it } from 'vitest';
import { isOlder, isSameVersion, withoutManagedFields } from './cached-object.js';

const version = (resourceVersion: string, uid = 'u1') => ({
  metadata: { name: 'a', uid, resourceVersion },
});

describe('cached objects', () => {
  it('drops managedFields and nothing else', () => {
    const obj = {
      metadata: { name: 'a', labels: { x: 'y' }, managedFields: [{ manager: 'kubectl' }] },
      spec: { n: 1 },
    };
    expect(withoutManagedFields(obj)).toEqual({
      metadata: { name: 'a', labels: { x: 'y' } },
      spec: { n: 1 },
    });
  });

  it('orders versions of one object as integers, and never calls other forms older', () => {
    expect(isOlder(version('99'), version('100'))).toBe(true);
    expect(isOlder(version('100'), version('99'))).toBe(false);
    expect(isOlder(version('100'), version('100'))).toBe(false);
    expect(isOlder(version('99'), version('100', 'u2'))).toBe(false);
    expect(isOlder(version('abc'), version('100'))).toBe(false);
  });

  it('knows one version of one object, whatever the form of its resourceVersion', () => {
    expect(isSameVersion(version('100'), version('100'))).toBe(true);
    expect(isSameVersion(version('abc'), version('abc'))).toBe(true);
    expect(isSameVersion(version('100'), version('101'))).toBe(false);
    expect(isSameVersion(version('100'), version('100', 'u2'))).toBe(false);
    expect(isSameVersion({ metadata: { name: 'a' } }, { metadata: { name: 'a' } })).toBe(false);
    expect(isSameVersion(version('100'), undefined)).toBe(false);
  });
});
