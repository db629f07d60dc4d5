import {
  isKubernetesError,
  type KubeClient,
  type KubeObject,
  KubernetesApiError,
  type ResourceType,
} from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { addFinalizer, removeFinalizer } from './finalizers.js';
import { things } from './things.test-support.js';

const ours = 'x/cleanup';

const thing = (uid: string, resourceVersion: string, finalizers?: string[]): KubeObject => ({
  metadata: {
    name: 't',
    namespace: 'ns',
    uid,
    resourceVersion,
    ...(finalizers ? { finalizers } : {}),
  },
});

/** One object on a fake API server: merge patches conditional on the resourceVersion. */
function fakeServer(object: KubeObject | null) {
  const server = {
    object,
    patches: [] as { uid: string | undefined; finalizers: string[] }[],
    /** Runs before each patch is judged, e.g. to delete and re-create the object. */
    beforePatch: () => {},
  };
  const client = {
    get: async () => structuredClone(server.object),
    patch: async (
      _t: ResourceType,
      _ns: string,
      _n: string,
      body: { metadata: { resourceVersion: string; finalizers: string[] } },
    ) => {
      server.beforePatch();
      if (!server.object) throw new KubernetesApiError('NotFound', 'not found', 404);
      if (body.metadata.resourceVersion !== server.object.metadata?.resourceVersion)
        throw new KubernetesApiError('Conflict', 'the object has been modified', 409);
      server.patches.push({
        uid: server.object.metadata?.uid,
        finalizers: body.metadata.finalizers,
      });
      const version = String(Number(server.object.metadata?.resourceVersion) + 1);
      server.object = {
        ...server.object,
        metadata: {
          ...server.object.metadata,
          resourceVersion: version,
          finalizers: body.metadata.finalizers,
        },
      };
      return structuredClone(server.object);
    },
  };
  return { server, client: client as unknown as KubeClient };
}

describe('finalizers on an object re-created under the same name', () => {
  it('adds to a stale copy of the same object after a conflict', async () => {
    const { server, client } = fakeServer(thing('uid-1', '12', ['other/f']));
    const added = await addFinalizer(client, things, thing('uid-1', '10'), ours);
    expect(added.metadata?.finalizers).toEqual(['other/f', ours]);
    expect(server.patches).toEqual([{ uid: 'uid-1', finalizers: ['other/f', ours] }]);
  });

  it('never adds through a copy of the one before it: NotFound, and the successor is untouched', async () => {
    // A cache still holds uid-1, deleted before its finalizer landed; uid-2 now has its name.
    const { server, client } = fakeServer(thing('uid-2', '20'));
    const error = await addFinalizer(client, things, thing('uid-1', '10'), ours).catch(
      (e: unknown) => e,
    );
    expect(isKubernetesError(error, 'NotFound')).toBe(true);
    expect((error as Error).message).toContain('uid-1');
    expect(server.patches).toEqual([]);
    expect(server.object?.metadata?.finalizers).toBeUndefined();
  });

  it('never removes through a copy of the one before it: null, as for a gone object', async () => {
    const { server, client } = fakeServer(thing('uid-2', '20', [ours]));
    expect(await removeFinalizer(client, things, thing('uid-1', '10', [ours]), ours)).toBeNull();
    expect(server.patches).toEqual([]);
    expect(server.object?.metadata?.finalizers).toEqual([ours]);
  });

  it('holds to the uid it was told, even for a copy without a resourceVersion', async () => {
    const { server, client } = fakeServer(thing('uid-2', '20'));
    const named = { metadata: { name: 't', namespace: 'ns' } };
    await expect(addFinalizer(client, things, named, ours, { uid: 'uid-1' })).rejects.toThrow(
      /not found/,
    );
    expect(server.patches).toEqual([]);
  });

  it('is pinned to the first object it read: a re-create between its read and its write is not edited', async () => {
    const { server, client } = fakeServer(thing('uid-1', '10'));
    let recreated = false;
    server.beforePatch = () => {
      if (recreated) return;
      recreated = true;
      server.object = thing('uid-2', '20');
    };
    const named = { metadata: { name: 't', namespace: 'ns' } };
    await expect(addFinalizer(client, things, named, ours)).rejects.toThrow(/not found/);
    expect(server.patches).toEqual([]);
  });
});
