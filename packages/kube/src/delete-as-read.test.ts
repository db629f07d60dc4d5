import { describe, expect, it } from 'vitest';
import { deleteAsRead } from './delete-as-read.js';
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
