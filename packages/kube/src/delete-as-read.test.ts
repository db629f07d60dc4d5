import { describe, expect, it } from 'vitest';
import { deleteAsRead, deleteAsReadAnswered } from './delete-as-read.js';
import { isStillStored } from './deletion-answer.js';
import type { KubeObject } from './kube-client.js';
import { KubernetesApiError } from './kubernetes-errors.js';
import { resources } from './resources.js';

describe('deleteAsRead', () => {
  const read = { metadata: { name: 'held', namespace: 'ns', uid: 'uid-1' } };

  it('sends the uid it read as the precondition, and the propagation asked for', async () => {
    const calls: unknown[][] = [];
    const client = {
      delete: async (...args: unknown[]) => {
        calls.push(args);
        return true;
      },
    };
    expect(
      await deleteAsRead(client, resources.configMaps, read, { propagationPolicy: 'Foreground' }),
    ).toBe('deleted');
    expect(calls).toEqual([
      [
        resources.configMaps,
        'ns',
        'held',
        { preconditions: { uid: 'uid-1' }, propagationPolicy: 'Foreground' },
      ],
    ]);
  });

  it("takes the API server's 409 for another uid as the name replaced, and throws anything else", async () => {
    const answering = (error: Error) => ({
      delete: async (): Promise<boolean> => {
        throw error;
      },
    });
    const conflict = new KubernetesApiError('Conflict', 'Precondition failed: UID', 409);
    const forbidden = new KubernetesApiError('Forbidden', 'configmaps is forbidden', 403);
    expect(await deleteAsRead(answering(conflict), resources.configMaps, read)).toBe('replaced');
    await expect(deleteAsRead(answering(forbidden), resources.configMaps, read)).rejects.toBe(
      forbidden,
    );
  });

  it('as decided, holds the delete to the resourceVersion read and takes a 409 for a change since', async () => {
    const calls: unknown[][] = [];
    const client = {
      deleteAnswered: async (...args: unknown[]): Promise<KubeObject | null> => {
        calls.push(args);
        throw new KubernetesApiError('Conflict', 'Precondition failed: ResourceVersion', 409);
      },
    };
    const decided = { metadata: { ...read.metadata, resourceVersion: '5' } };
    expect(
      await deleteAsReadAnswered(client, resources.configMaps, decided, { asDecided: true }),
    ).toEqual({ outcome: 'changed' });
    expect(calls[0]?.[3]).toEqual({ preconditions: { uid: 'uid-1', resourceVersion: '5' } });
    await expect(
      deleteAsReadAnswered(client, resources.configMaps, read, { asDecided: true }),
    ).rejects.toThrow(/decided on carries its resourceVersion/);
    expect(calls).toHaveLength(1);
  });

  it('refuses an object that was never read from the API server, with no request', async () => {
    let requests = 0;
    const client = {
      delete: async () => {
        requests += 1;
        return true;
      },
    };
    await expect(
      deleteAsRead(client, resources.configMaps, { metadata: { name: 'made-up' } }),
    ).rejects.toThrow(/ConfigMap read from the API server has a name and uid/);
    expect(requests).toBe(0);
  });
});

describe('deleteAsReadAnswered', () => {
  const read = { metadata: { name: 'held', namespace: 'ns', uid: 'uid-1' } };
  const answering = (answer: KubeObject | null) => ({ deleteAnswered: async () => answer });
  const being = (metadata: Record<string, unknown>): KubeObject => ({
    kind: 'Pod',
    metadata: { ...read.metadata, deletionTimestamp: '2026-01-01T00:00:00Z', ...metadata },
  });

  it('resolves to the object as stored while finalizers or a grace period keep it', async () => {
    const finalized = being({ finalizers: ['held.example/keep'] });
    const graceful = being({ deletionGracePeriodSeconds: 30 });
    expect(await deleteAsReadAnswered(answering(finalized), resources.pods, read)).toEqual({
      outcome: 'deleted',
      remaining: finalized,
    });
    expect(await deleteAsReadAnswered(answering(graceful), resources.pods, read)).toEqual({
      outcome: 'deleted',
      remaining: graceful,
    });
  });

  it('says nothing remains when the API server answered a Status or the object as it was last stored', async () => {
    const status = { kind: 'Status', status: 'Success', details: { uid: 'uid-1' } };
    for (const answer of [status, being({ deletionGracePeriodSeconds: 0 }), { ...read }]) {
      expect(await deleteAsReadAnswered(answering(answer), resources.pods, read)).toEqual({
        outcome: 'deleted',
        remaining: undefined,
      });
    }
    expect(await deleteAsReadAnswered(answering(null), resources.pods, read)).toEqual({
      outcome: 'absent',
    });
  });
});

describe('isStillStored', () => {
  it('holds an object written while being deleted to its finalizers and grace period', () => {
    const deleting = { deletionTimestamp: '2026-01-01T00:00:00Z' };
    expect(isStillStored({ metadata: { name: 'live' } })).toBe(true);
    expect(isStillStored({ metadata: { ...deleting, finalizers: ['a/b'] } })).toBe(true);
    expect(isStillStored({ metadata: { ...deleting, deletionGracePeriodSeconds: 5 } })).toBe(true);
    expect(isStillStored({ metadata: { ...deleting, finalizers: [] } })).toBe(false);
  });
});
