import { type KubeClient, type KubeObject, KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { isSameObject, pinnedUid } from './same-object.js';
import { updateStatus } from './status.js';
import { things } from './things.test-support.js';

const thing = (uid: string | undefined, resourceVersion: string): KubeObject => ({
  metadata: { name: 't', namespace: 'ns', resourceVersion, ...(uid ? { uid } : {}) },
});

describe('isSameObject / pinnedUid', () => {
  it('takes an object only while it has the uid the write was decided about', () => {
    expect(isSameObject('uid-1', thing('uid-1', '1'))).toBe(true);
    expect(isSameObject('uid-1', thing('uid-2', '1'))).toBe(false);
    expect(isSameObject('uid-1', thing(undefined, '1'))).toBe(false);
    expect(isSameObject('uid-1', null)).toBe(false);
    expect(isSameObject(undefined, thing('uid-2', '1'))).toBe(true);
    expect(isSameObject(undefined, null)).toBe(false);
  });

  it('pins the uid asked for, else the first one read', () => {
    expect(pinnedUid('uid-1', thing('uid-2', '1'))).toBe('uid-1');
    expect(pinnedUid(undefined, thing('uid-2', '1'))).toBe('uid-2');
    expect(pinnedUid('', thing(undefined, '1'))).toBeUndefined();
    expect(pinnedUid(undefined, null)).toBeUndefined();
  });
});

describe('updateStatus on an object re-created under the same name', () => {
  it('is pinned to the first object it read: after a conflict it does not compute on the successor', async () => {
    let stored: KubeObject = thing('uid-1', '10');
    const patch = vi.fn(async () => {
      stored = { ...thing('uid-2', '20'), status: { phase: 'New' } };
      throw new KubernetesApiError('Conflict', 'the object has been modified', 409);
    });
    const client = { get: async () => structuredClone(stored), patch } as unknown as KubeClient;
    const compute = vi.fn(() => ({ phase: 'Old' }));
    expect(await updateStatus(client, things, 'ns', 't', compute)).toBeNull();
    expect(compute).toHaveBeenCalledTimes(1);
    expect(patch).toHaveBeenCalledTimes(1);
    expect(stored.status).toEqual({ phase: 'New' });
  });

  it('reads a NotFound write followed by a successor as gone, not as a kind without status', async () => {
    let stored: KubeObject = thing('uid-1', '10');
    const client = {
      get: async () => structuredClone(stored),
      patch: async () => {
        stored = thing('uid-2', '20');
        throw new KubernetesApiError('NotFound', 'not found', 404);
      },
    } as unknown as KubeClient;
    expect(await updateStatus(client, things, 'ns', 't', () => ({ phase: 'Old' }))).toBeNull();
  });
});
