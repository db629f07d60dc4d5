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
    list: vi.fn(async (_type: unknown, _ns: unknown, _options?: { signal?: AbortSignal }) => ({
      items: entries,
      resourceVersion: '1',
    })),
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
    collector.runUntil(new AbortController().signal);
    collector.collect('team-a');
    await vi.waitFor(() => expect(reader.list).toHaveBeenCalledTimes(1));
    for (let i = 0; i < 4; i++) collector.collect('team-a');
    release();
    await vi.waitFor(() => expect(client.delete).toHaveBeenCalledTimes(4));
    // Every promise settled: a third sweep would have listed by now.
    await new Promise((resolve) => setImmediate(resolve));
    expect(reader.list).toHaveBeenCalledTimes(2);
  });

  it('lists the entries before it reads the Namespace, and reads none for a namespace without entries', async () => {
    const reader = fakeReader({}, gone);
    const collector = new CacheCollector({
      client: { delete: vi.fn(async () => true) },
      reader,
      namespace: cacheNamespace,
    });
    await collector.sweep('team-a');
    expect(reader.list.mock.invocationCallOrder[0]).toBeLessThan(
      reader.get.mock.invocationCallOrder[0] ?? 0,
    );
    reader.list.mockResolvedValueOnce({ items: [], resourceVersion: '2' });
    await collector.sweep('team-b');
    expect(reader.get).toHaveBeenCalledTimes(1);
  });

  it('sweeps nothing before it runs nor once its run stopped, and stops the sweeps running', async () => {
    const reader = fakeReader({}, gone);
    const client = { delete: vi.fn(async () => true) };
    const collector = new CacheCollector({ client, reader, namespace: cacheNamespace });
    collector.collect('team-a');
    const run = new AbortController();
    collector.runUntil(run.signal);
    let listed!: (options: { signal?: AbortSignal }) => void;
    const signalled = new Promise<{ signal?: AbortSignal }>((resolve) => {
      listed = resolve;
    });
    reader.list.mockImplementationOnce(async (_t, _ns, options) => {
      listed(options ?? {});
      return await new Promise(() => {});
    });
    collector.collect('team-a');
    const { signal } = await signalled;
    expect(signal).toBe(run.signal);
    run.abort();
    collector.collect('team-b');
    await new Promise((resolve) => setImmediate(resolve));
    expect(reader.list).toHaveBeenCalledTimes(1);
    expect(client.delete).not.toHaveBeenCalled();
  });

  it('sweeps at most `concurrency` namespaces at once, and every one asked for', async () => {
    const reader = fakeReader({}, []);
    const releases: (() => void)[] = [];
    reader.list.mockImplementation(
      () =>
        new Promise((resolve) => {
          releases.push(() => resolve({ items: [], resourceVersion: '1' }));
        }),
    );
    const collector = new CacheCollector({
      client: { delete: vi.fn(async () => true) },
      reader,
      namespace: cacheNamespace,
      concurrency: 2,
    });
    collector.runUntil(new AbortController().signal);
    for (const namespace of ['a', 'b', 'c', 'd', 'e']) collector.collect(namespace);
    await new Promise((resolve) => setImmediate(resolve));
    expect(reader.list).toHaveBeenCalledTimes(2);
    for (let swept = 2; swept < 5; swept++) {
      releases.shift()?.();
      await vi.waitFor(() => expect(reader.list).toHaveBeenCalledTimes(swept + 1));
    }
    const selectors = reader.list.mock.calls.map((call) => (call as unknown[])[2]);
    expect(
      selectors.map((o) => (o as { labelSelector: string }).labelSelector.split('=').at(-1)),
    ).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});
