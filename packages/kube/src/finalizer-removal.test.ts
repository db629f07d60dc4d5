import { describe, expect, it } from 'vitest';
import {
  type FinalizerPatchOperation,
  finalizerRemoval,
  removeFinalizerAsRead,
} from './finalizer-removal.js';
import type { KubeObject } from './kube-client.js';
import { KubernetesApiError } from './kubernetes-errors.js';
import { resources } from './resources.js';

const finalizer = 'roundhouse.dev/pod-result';
const pod = (uid: string, finalizers: string[]): KubeObject => ({
  metadata: { name: 'rh-1', namespace: 'runs', uid, finalizers },
});

/** An API server holding `stored`, whose patches answer with `answers` in turn. */
function server(stored: KubeObject | null, answers: (Error | undefined)[]) {
  const patches: unknown[] = [];
  const client = {
    get: async <T>() => stored as T | null,
    patch: async <T>(_t: unknown, _ns: unknown, _n: unknown, body: unknown) => {
      patches.push(body);
      const answer = answers.shift();
      if (answer) throw answer;
      return stored as T;
    },
  };
  return { client, patches };
}

/** The object after `patch`, applied in order as the API server applies a JSON patch. */
function applied(object: KubeObject, patch: readonly FinalizerPatchOperation[]): KubeObject {
  const finalizers = [...(object.metadata?.finalizers ?? [])];
  for (const operation of patch) {
    const index = Number(operation.path.split('/').at(-1));
    if (operation.op === 'remove') finalizers.splice(index, 1);
    else if (operation.path !== '/metadata/uid' && finalizers[index] !== operation.value) {
      throw new Error(`test failed at ${operation.path}`);
    }
  }
  return { ...object, metadata: { ...object.metadata, finalizers } };
}

const invalid = () => new KubernetesApiError('Invalid', 'the server rejected our request', 422);

describe('finalizerRemoval', () => {
  it('holds to the object read and to where its finalizer stood', () => {
    expect(finalizerRemoval(pod('u-1', ['example.com/hold', finalizer]), finalizer)).toEqual([
      { op: 'test', path: '/metadata/uid', value: 'u-1' },
      { op: 'test', path: '/metadata/finalizers/1', value: finalizer },
      { op: 'remove', path: '/metadata/finalizers/1' },
    ]);
    expect(finalizerRemoval(pod('u-1', []), finalizer)).toBeUndefined();
  });

  it('removes a finalizer listed more than once from every place it stands, in one patch', () => {
    const listed = pod('u-1', [finalizer, 'example.com/hold', finalizer]);
    const patch = finalizerRemoval(listed, finalizer);
    expect(patch).toEqual([
      { op: 'test', path: '/metadata/uid', value: 'u-1' },
      { op: 'test', path: '/metadata/finalizers/2', value: finalizer },
      { op: 'remove', path: '/metadata/finalizers/2' },
      { op: 'test', path: '/metadata/finalizers/0', value: finalizer },
      { op: 'remove', path: '/metadata/finalizers/0' },
    ]);
    expect(applied(listed, patch ?? []).metadata?.finalizers).toEqual(['example.com/hold']);
  });
});

describe('removeFinalizerAsRead', () => {
  it('sends no request when the object read carries no such finalizer', async () => {
    const api = server(null, []);
    await removeFinalizerAsRead(api.client, resources.pods, pod('u-1', ['other']), finalizer);
    expect(api.patches).toEqual([]);
  });

  it('resolves to the object the removal wrote, and to undefined when it wrote nothing', async () => {
    const written = pod('u-1', ['example.com/hold']);
    const api = server(written, []);
    await expect(
      removeFinalizerAsRead(api.client, resources.pods, pod('u-1', [finalizer]), finalizer),
    ).resolves.toBe(written);
    await expect(
      removeFinalizerAsRead(api.client, resources.pods, pod('u-1', ['other']), finalizer),
    ).resolves.toBeUndefined();
    const replaced = server(pod('u-2', [finalizer]), [invalid()]);
    await expect(
      removeFinalizerAsRead(replaced.client, resources.pods, pod('u-1', [finalizer]), finalizer),
    ).resolves.toBeUndefined();
  });

  it('reads again once when the list changed since the read, and removes it where it now is', async () => {
    const api = server(pod('u-1', ['a', 'b', finalizer]), [invalid()]);
    await removeFinalizerAsRead(api.client, resources.pods, pod('u-1', [finalizer]), finalizer);
    expect(api.patches).toEqual([
      finalizerRemoval(pod('u-1', [finalizer]), finalizer),
      finalizerRemoval(pod('u-1', ['a', 'b', finalizer]), finalizer),
    ]);
  });

  it('leaves alone an object of the same name that replaced the one read', async () => {
    const api = server(pod('u-2', [finalizer]), [invalid()]);
    await removeFinalizerAsRead(api.client, resources.pods, pod('u-1', [finalizer]), finalizer);
    expect(api.patches).toHaveLength(1);
  });

  it('is done when the object is gone, and throws what else the API server answers', async () => {
    const gone = server(null, [new KubernetesApiError('NotFound', 'gone', 404)]);
    await removeFinalizerAsRead(gone.client, resources.pods, pod('u-1', [finalizer]), finalizer);
    const forbidden = new KubernetesApiError('Forbidden', 'pods is forbidden', 403);
    const refused = server(null, [forbidden]);
    await expect(
      removeFinalizerAsRead(refused.client, resources.pods, pod('u-1', [finalizer]), finalizer),
    ).rejects.toBe(forbidden);
    const twice = server(pod('u-1', [finalizer, 'x']), [invalid(), invalid()]);
    await expect(
      removeFinalizerAsRead(twice.client, resources.pods, pod('u-1', [finalizer]), finalizer),
    ).rejects.toBeInstanceOf(KubernetesApiError);
  });
});
