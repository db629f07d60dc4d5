import { describe, expect, it } from 'vitest';
import {
  isOlder,
  isSameApartFromVersion,
  isSameVersion,
  withoutManagedFields,
} from './cached-object.js';

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

  it('calls two versions the same only when nothing but resourceVersion and managedFields differ', () => {
    const pod = (resourceVersion: string, status: object, metadata: object = {}) => ({
      metadata: { name: 'a', uid: 'u1', resourceVersion, labels: { x: 'y' }, ...metadata },
      status,
    });
    const running = {
      phase: 'Running',
      containerStatuses: [{ name: 'c', state: { running: {} } }],
    };
    expect(isSameApartFromVersion(pod('1', running), pod('2', structuredClone(running)))).toBe(
      true,
    );
    expect(
      isSameApartFromVersion(
        pod('1', running),
        pod('2', running, { managedFields: [{ manager: 'kubelet' }] }),
      ),
    ).toBe(true);
    const terminated = {
      ...running,
      containerStatuses: [{ name: 'c', state: { terminated: {} } }],
    };
    expect(isSameApartFromVersion(pod('1', running), pod('2', terminated))).toBe(false);
    expect(isSameApartFromVersion(pod('1', running), pod('2', { ...running, reason: 'x' }))).toBe(
      false,
    );
    expect(isSameApartFromVersion(pod('1', running), pod('2', { phase: 'Running' }))).toBe(false);
    expect(isSameApartFromVersion(pod('1', running), pod('2', running, { labels: {} }))).toBe(
      false,
    );
    expect(
      isSameApartFromVersion(pod('1', running), pod('2', running, { deletionTimestamp: 't' })),
    ).toBe(false);
    expect(
      isSameApartFromVersion(pod('1', { list: [1, 2] }), pod('2', { list: { 0: 1, 1: 2 } })),
    ).toBe(false);
  });

  it('sees a key named as what every object inherits added or removed', () => {
    const configMap = (resourceVersion: string, data: object) => ({
      metadata: { name: 'a', uid: 'u1', resourceVersion },
      data,
    });
    for (const key of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      const added = configMap('2', JSON.parse(`{"a":"1","${key}":"x"}`));
      expect(isSameApartFromVersion(configMap('1', { a: '1' }), added)).toBe(false);
      expect(isSameApartFromVersion(added, configMap('3', { a: '1' }))).toBe(false);
    }
  });
});
