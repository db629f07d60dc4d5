import { type KubeObject, KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { cacheEntryConfigMap } from './cache.js';
import { CacheCollector, type CacheCollectorOptions } from './cache-collector.js';

const cacheNamespace = 'tasks';

const entry = (namespace: string, cacheKey: string, uid: string) => {
  const configMap = cacheEntryConfigMap(
    cacheNamespace,
    { namespace, project: 'proj', domain: 'dev', cacheKey },
    's3://bucket/out',
    { name: 'run1-a0', namespaceUid: 'ns-uid-1' },
  );
  return { ...configMap, metadata: { ...configMap.metadata, uid } };
};

/** A reader whose Namespaces are `existing` and whose entries are `entries`, as informers hold them. */
function fakeReader(existing: Record<string, string>, entries: KubeObject[]) {
  const reader = {
    get: vi.fn(async (_type: unknown, _ns: unknown, name: string) =>
      existing[name] ? { metadata: { name, uid: existing[name] } } : null,
    ),
    list: vi.fn(async () => ({ items: entries, resourceVersion: '1' })),
  };
  return reader as typeof reader & CacheCollectorOptions['reader'];
}

describe('CacheCollector', () => {
  const gone = [entry('team-a', 'k1', 'e1'), entry('team-a', 'k2', 'e2')];

  it("deletes a gone namespace's entries, each at the uid read; an entry replaced meanwhile is left", async () => {
    const reader = fakeReader({}, gone);
    const client = {
      delete: vi
        .fn(async () => true)
        .mockRejectedValueOnce(new KubernetesApiError('Conflict', 'uid precondition', 409)),
    };
    const collector = new CacheCollector({ client, reader, namespace: cacheNamespace });
    expect(await collector.sweep('team-a')).toBe(1);
    expect(reader.list).toHaveBeenCalledWith(expect.anything(), cacheNamespace, {
      labelSelector:
        'roundhouse.dev/taskaction-cache=entry,roundhouse.dev/taskaction-cache-namespace=team-a',
    });
    expect(client.delete.mock.calls).toEqual([
      [expect.anything(), cacheNamespace, gone[0]?.metadata.name, { preconditions: { uid: 'e1' } }],
      [expect.anything(), cacheNamespace, gone[1]?.metadata.name, { preconditions: { uid: 'e2' } }],
    ]);
  });

  it('deletes nothing of a namespace that exists as the entries record it', async () => {
    const client = { delete: vi.fn(async () => true) };
    const collector = new CacheCollector({
      client,
      reader: fakeReader({ 'team-a': 'ns-uid-1' }, gone),
      namespace: cacheNamespace,
    });
    expect(await collector.sweep('team-a')).toBe(0);
    expect(client.delete).not.toHaveBeenCalled();
  });

  it('sweeps once more, not once per ask, for the asks that come while a sweep runs', async () => {
    const reader = fakeReader({}, gone);
    let release = () => {};
    reader.list.mockImplementationOnce(
      () =>
        new Promise((resolve) => {
          release = () => resolve({ items: gone, resourceVersion: '1' });
        }),
    );
    const client = { delete: vi.fn(async () => true) };
    const collector = new CacheCollector({ client, reader, namespace: cacheNamespace });
    collector.collect('team-a');
    await vi.waitFor(() => expect(reader.list).toHaveBeenCalledTimes(1));
    for (let i = 0; i < 4; i++) collector.collect('team-a');
    release();
    await vi.waitFor(() => expect(client.delete).toHaveBeenCalledTimes(4));
    // Every promise settled: a third sweep would have listed by now.
    await new Promise((resolve) => setImmediate(resolve));
    expect(reader.list).toHaveBeenCalledTimes(2);
  });
});
