import { KubeConfig } from '@kubernetes/client-node';
import {
  type KubeClient,
  type KubeObject,
  type ListOptions,
  type ResourceType,
  resources,
  type WatchEvent,
  type WatchOptions,
  type WatchOutcome,
} from '@roundhouse/kube';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultPageSize } from './informer.js';
import { InformerCache, InformerTransformConflictError } from './informer-cache.js';
import { matchesLabels, parseLabelSelector } from './label-selector.js';

const cm = (namespace: string, name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, uid: `uid-${name}`, resourceVersion: '5', labels },
});

/**
 * A client over an in-memory API server: lists filter as the server does, watches stay open
 * until stopped and hand their event callback to the test.
 */
function fakeClient(objects: KubeObject[]) {
  const watchers: ((event: WatchEvent) => void)[] = [];
  const inNamespace = (namespace: string | undefined) =>
    objects.filter((o) => namespace === undefined || o.metadata?.namespace === namespace);
  const client = {
    get: vi.fn(
      async (_type: ResourceType, namespace: string | undefined, name: string) =>
        inNamespace(namespace).find((o) => o.metadata?.name === name) ?? null,
    ),
    list: vi.fn(
      async (_type: ResourceType, namespace: string | undefined, options: ListOptions = {}) => ({
        items: inNamespace(namespace)
          .filter(
            (o) =>
              matchesLabels(parseLabelSelector(options.labelSelector) ?? [], o.metadata?.labels) &&
              matchesNameFields(options.fieldSelector, o),
          )
          .map((o) => options.transform?.(o) ?? o),
        resourceVersion: '10',
      }),
    ),
    watch: vi.fn(
      (
        _type: ResourceType,
        _namespace: string | undefined,
        onEvent: (event: WatchEvent) => void,
        options: WatchOptions,
      ) => {
        watchers.push(onEvent);
        return new Promise<WatchOutcome>((resolve) =>
          options.signal?.addEventListener('abort', () => resolve({ end: 'stopped' })),
        );
      },
    ),
  };
  // The fake has KubeClient's public shape; its private fields cannot be copied.
  return { client, kubeClient: client as unknown as KubeClient, watchers };
}

/** The field selectors the fake understands: `metadata.name=` and `metadata.name!=` terms. */
function matchesNameFields(selector: string | undefined, obj: KubeObject): boolean {
  return (selector ?? '')
    .split(',')
    .filter((term) => term.trim() !== '')
    .every((term) => {
      const [field, value] = term.trim().split(/!?=/);
      if (field !== 'metadata.name') throw new Error(`fake: unsupported field selector ${term}`);
      return term.includes('!=') ? obj.metadata?.name !== value : obj.metadata?.name === value;
    });
}

const caches: InformerCache[] = [];

afterEach(async () => {
  await Promise.all(caches.splice(0).map((cache) => cache.stop()));
});

function informerCache(objects: KubeObject[]) {
  const fake = fakeClient(objects);
  const cache = new InformerCache(new KubeConfig(), { client: fake.kubeClient });
  caches.push(cache);
  return { cache, ...fake };
}

const names = (result: { items: KubeObject[] }) => result.items.map((o) => o.metadata?.name);

describe('InformerCache.get', () => {
  it('serves a cached object without a request, and asks the client about a miss', async () => {
    const objects = [cm('ns', 'cached', { app: 'x' }), cm('ns', 'unselected')];
    const { cache, client } = informerCache(objects);
    cache.informerFor(resources.configMaps, { namespace: 'ns', labelSelector: 'app=x' });
    await cache.start();

    expect(await cache.get(resources.configMaps, 'ns', 'cached')).toEqual(objects[0]);
    expect(client.get).not.toHaveBeenCalled();

    // Outside the informer's selector: only the API server knows it.
    expect(await cache.get(resources.configMaps, 'ns', 'unselected')).toBe(objects[1]);
    expect(await cache.get(resources.configMaps, 'ns', 'absent')).toBeNull();
    expect(client.get.mock.calls.map((call) => call[2])).toEqual(['unselected', 'absent']);
  });

  it('serves what the watch has delivered since the list', async () => {
    const { cache, client, watchers } = informerCache([]);
    cache.informerFor(resources.configMaps, { namespace: 'ns' });
    await cache.start();
    await vi.waitFor(() => expect(watchers).toHaveLength(1));
    watchers[0]?.({ type: 'ADDED', object: cm('ns', 'new') });
    expect(await cache.get(resources.configMaps, 'ns', 'new')).toMatchObject({
      metadata: { name: 'new' },
    });
    expect(client.get).not.toHaveBeenCalled();
  });

  it('asks the client when no synced informer covers the namespace or the type', async () => {
    const { cache, client } = informerCache([cm('ns', 'a'), cm('other', 'b')]);
    cache.informerFor(resources.configMaps, { namespace: 'ns' });
    await cache.get(resources.configMaps, 'ns', 'a');
    expect(client.get).toHaveBeenCalledTimes(1);

    await cache.start();
    await cache.get(resources.configMaps, 'ns', 'a');
    await cache.get(resources.configMaps, 'other', 'b');
    await cache.get(resources.secrets, 'ns', 'a');
    expect(client.get).toHaveBeenCalledTimes(3);

    await cache.stop();
    await cache.get(resources.configMaps, 'ns', 'a');
    expect(client.get).toHaveBeenCalledTimes(4);
  });

  it('serves every namespace from an informer on all namespaces, and cluster-scoped kinds', async () => {
    const namespace: KubeObject = { metadata: { name: 'ns', uid: 'u', resourceVersion: '1' } };
    const { cache, client } = informerCache([cm('ns', 'a'), cm('other', 'b'), namespace]);
    cache.informerFor(resources.configMaps);
    cache.informerFor(resources.namespaces, { namespace: 'ignored' });
    await cache.start();
    expect(await cache.get(resources.configMaps, 'ns', 'a')).not.toBeNull();
    expect(await cache.get(resources.configMaps, 'other', 'b')).not.toBeNull();
    expect(await cache.get(resources.namespaces, undefined, 'ns')).not.toBeNull();
    expect(client.get).not.toHaveBeenCalled();
  });
});

describe('InformerCache.list', () => {
  const objects = [
    cm('ns', 'b', { app: 'x', tier: 'web' }),
    cm('ns', 'a', { app: 'x' }),
    cm('ns', 'c', { app: 'y' }),
    cm('other', 'd', { app: 'x' }),
  ];

  it('serves a selector its informer’s selector implies, filtered and in name order', async () => {
    const { cache, client } = informerCache(objects);
    const informer = cache.informerFor(resources.configMaps, {
      namespace: 'ns',
      labelSelector: 'app=x',
    });
    await cache.start();
    client.list.mockClear();

    const all = await cache.list(resources.configMaps, 'ns', { labelSelector: 'app=x' });
    expect(names(all)).toEqual(['a', 'b']);
    expect(all.resourceVersion).toBe(informer.resourceVersion);
    const narrower = { labelSelector: 'tier=web,app==x' };
    expect(names(await cache.list(resources.configMaps, 'ns', narrower))).toEqual(['b']);
    expect(client.list).not.toHaveBeenCalled();
  });

  it('serves any equality-based selector from an informer without one', async () => {
    const { cache, client } = informerCache(objects);
    cache.informerFor(resources.configMaps);
    await cache.start();
    client.list.mockClear();
    expect(names(await cache.list(resources.configMaps, undefined))).toEqual(['a', 'b', 'c', 'd']);
    const selected = { labelSelector: 'app=x,!tier' };
    expect(names(await cache.list(resources.configMaps, undefined, selected))).toEqual(['a', 'd']);
    expect(names(await cache.list(resources.configMaps, 'other'))).toEqual(['d']);
    expect(client.list).not.toHaveBeenCalled();
  });

  it('serves the field selector its informer was started with, and that one only', async () => {
    const { cache, client } = informerCache(objects);
    cache.informerFor(resources.configMaps, {
      namespace: 'ns',
      labelSelector: 'app=x',
      fieldSelector: 'metadata.name!=c, metadata.name!=b',
    });
    await cache.start();
    // The server sent only the matching objects.
    expect(client.list).toHaveBeenCalledWith(resources.configMaps, 'ns', {
      labelSelector: 'app=x',
      fieldSelector: 'metadata.name!=b,metadata.name!=c',
      limit: defaultPageSize,
      signal: expect.any(AbortSignal),
      transform: expect.any(Function),
    });
    client.list.mockClear();

    // The same terms in another order are the same selector.
    const same = { labelSelector: 'app=x', fieldSelector: 'metadata.name!=b,metadata.name!=c' };
    expect(names(await cache.list(resources.configMaps, 'ns', same))).toEqual(['a']);
    expect(client.list).not.toHaveBeenCalled();

    // Without it the cache lacks objects, so the question goes to the API server.
    const unfielded = await cache.list(resources.configMaps, 'ns', { labelSelector: 'app=x' });
    expect(names(unfielded)).toEqual(['b', 'a']);
    const other = { labelSelector: 'app=x', fieldSelector: 'metadata.name!=c' };
    await cache.list(resources.configMaps, 'ns', other);
    expect(client.list).toHaveBeenCalledTimes(2);
  });

  it.each<[string, string | undefined, ListOptions]>([
    ['a selector the informer’s does not imply', 'ns', { labelSelector: 'tier=web' }],
    ['no selector', 'ns', {}],
    ['a set-based selector', 'ns', { labelSelector: 'app in (x)' }],
    ['a field selector', 'ns', { labelSelector: 'app=x', fieldSelector: 'metadata.name=a' }],
    ['a namespace the informer does not watch', 'other', { labelSelector: 'app=x' }],
    ['every namespace, from a one-namespace informer', undefined, { labelSelector: 'app=x' }],
  ])('asks the client for %s', async (_case, namespace, options) => {
    const { cache, client } = informerCache(objects);
    cache.informerFor(resources.configMaps, { namespace: 'ns', labelSelector: 'app=x' });
    await cache.start();
    client.list.mockClear();
    await cache.list(resources.configMaps, namespace, options);
    expect(client.list).toHaveBeenCalledExactlyOnceWith(resources.configMaps, namespace, options);
  });
});

describe('InformerCache.informerFor', () => {
  it('caches each object as the scope’s transform trims it', async () => {
    const { cache, client } = informerCache([
      { ...cm('ns', 'a', { app: 'x' }), data: { big: 'x'.repeat(100) } },
    ]);
    cache.informerFor(resources.configMaps, {
      namespace: 'ns',
      labelSelector: 'app=x',
      transform: ({ metadata }) => ({ metadata }),
    });
    await cache.start();
    client.list.mockClear();
    const { items } = await cache.list(resources.configMaps, 'ns', { labelSelector: 'app=x' });
    expect(items).toEqual([{ metadata: cm('ns', 'a', { app: 'x' }).metadata }]);
    expect(client.list).not.toHaveBeenCalled();
  });

  it('lists in pages of the size the scope states, for a kind whose objects are small', async () => {
    const { cache, client } = informerCache([cm('ns', 'a', { app: 'x' })]);
    cache.informerFor(resources.configMaps, { namespace: 'ns', pageSize: 500 });
    cache.informerFor(resources.leases, { namespace: 'ns' });
    await cache.start();
    const limits = client.list.mock.calls.map(([type, , options]) => [type.kind, options?.limit]);
    expect(limits).toEqual([
      ['ConfigMap', 500],
      ['Lease', defaultPageSize],
    ]);
  });

  it('shares one informer per type, namespace and selector', () => {
    const { cache } = informerCache([]);
    const first = cache.informerFor(resources.configMaps, { namespace: 'ns', labelSelector: 'a' });
    expect(cache.informerFor(resources.configMaps, { namespace: 'ns', labelSelector: 'a' })).toBe(
      first,
    );
    expect(cache.informerFor(resources.configMaps, { namespace: 'ns' })).not.toBe(first);
    const fielded = cache.informerFor(resources.configMaps, {
      namespace: 'ns',
      labelSelector: 'a',
      fieldSelector: 'metadata.name!=x,metadata.name!=y',
    });
    expect(fielded).not.toBe(first);
    expect(
      cache.informerFor(resources.configMaps, {
        namespace: 'ns',
        labelSelector: 'a',
        fieldSelector: ' metadata.name!=y,metadata.name!=x',
      }),
    ).toBe(fielded);
    expect(cache.informerFor(resources.secrets, { namespace: 'ns', labelSelector: 'a' })).not.toBe(
      first,
    );
  });

  it('refuses a second scope that would read the informer through a different transform', () => {
    const { cache } = informerCache([]);
    const trim = ({ metadata }: KubeObject): KubeObject => ({ metadata });
    const scope = { namespace: 'ns', labelSelector: 'app=x', fieldSelector: 'metadata.name!=y' };
    const first = cache.informerFor(resources.configMaps, { ...scope, transform: trim });
    // The same function again is the same informer: every caller reads what it trims to.
    expect(cache.informerFor(resources.configMaps, { ...scope, transform: trim })).toBe(first);
    for (const transform of [(obj: KubeObject) => ({ ...obj }), undefined]) {
      const second = () => cache.informerFor(resources.configMaps, { ...scope, transform });
      expect(second).toThrow(InformerTransformConflictError);
      expect(second).toThrow(
        'the ConfigMap informer of namespace "ns", label selector "app=x" and field selector "metadata.name!=y"',
      );
    }
    let refused: unknown;
    try {
      cache.informerFor(resources.configMaps, scope);
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({
      reason: 'InformerTransformConflict',
      resource: resources.configMaps,
      namespace: 'ns',
      labelSelector: 'app=x',
      fieldSelector: 'metadata.name!=y',
    });
    // An untrimmed informer is no more shared with a trimming caller.
    cache.informerFor(resources.secrets, { namespace: 'ns' });
    expect(() =>
      cache.informerFor(resources.secrets, { namespace: 'ns', transform: trim }),
    ).toThrow(InformerTransformConflictError);
  });

  it('starts an informer registered after start, and serves from it once synced', async () => {
    const { cache, client } = informerCache([cm('ns', 'a')]);
    await cache.start();
    const late = cache.informerFor(resources.configMaps, { namespace: 'ns' });
    await vi.waitFor(() => expect(late.hasSynced()).toBe(true));
    expect(await cache.get(resources.configMaps, 'ns', 'a')).not.toBeNull();
    expect(client.get).not.toHaveBeenCalled();
  });
});
