import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterEach, expect, it, vi } from 'vitest';
import { InformerCache } from '../src/index.js';
import { patience } from './widgets.js';

type ConfigMap = KubeObject & { data?: Record<string, string> };

const configMaps = resources.configMaps;
const labels = { app: 'informer-cache' };
const labelSelector = 'app=informer-cache';

describeWithControlPlane('InformerCache on a real API server', () => {
  const env = useTestNamespace();
  const caches: InformerCache[] = [];

  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(caches.splice(0).map((cache) => cache.stop()));
  });

  /** A started cache over the test namespace's labelled ConfigMaps, and its live client. */
  async function startedCache() {
    const client = new KubeClient(env.kubeConfig);
    const cache = new InformerCache(env.kubeConfig, { client });
    caches.push(cache);
    const informer = cache.informerFor<ConfigMap>(configMaps, {
      namespace: env.namespace,
      labelSelector,
    });
    await cache.start();
    return { client, cache, informer };
  }

  it('serves get and list from the cache without a request', async () => {
    const setup = new KubeClient(env.kubeConfig);
    await setup.create(configMaps, env.namespace, {
      metadata: { name: 'cached', labels },
      data: { v: '1' },
    });
    const { client, cache } = await startedCache();
    const get = vi.spyOn(client, 'get');
    const list = vi.spyOn(client, 'list');

    const cached = await cache.get<ConfigMap>(configMaps, env.namespace, 'cached');
    expect(cached?.data).toEqual({ v: '1' });
    const listed = await cache.list(configMaps, env.namespace, { labelSelector });
    expect(listed.items.map((o) => o.metadata?.name)).toEqual(['cached']);
    expect(get).not.toHaveBeenCalled();
    // The informer's own relists pass a page size; a read the cache forwarded would not.
    expect(list.mock.calls.filter(([, , options]) => options?.limit === undefined)).toEqual([]);
  });

  it('confirms a miss with the API server: outside the selector, absent, or just created', async () => {
    const setup = new KubeClient(env.kubeConfig);
    await setup.create(configMaps, env.namespace, { metadata: { name: 'unlabelled' } });
    const { client, cache, informer } = await startedCache();
    const get = vi.spyOn(client, 'get');

    const outside = await cache.get(configMaps, env.namespace, 'unlabelled');
    expect(outside?.metadata?.name).toBe('unlabelled');
    expect(await cache.get(configMaps, env.namespace, 'absent')).toBeNull();
    expect(get.mock.calls.map(([, , name]) => name)).toEqual(['unlabelled', 'absent']);

    // Read back at once, before the watch can have delivered it: never reported missing.
    await setup.create(configMaps, env.namespace, { metadata: { name: 'fresh', labels } });
    expect(await cache.get(configMaps, env.namespace, 'fresh')).not.toBeNull();

    await vi.waitFor(() => expect(informer.get(env.namespace, 'fresh')).toBeDefined(), patience);
    get.mockClear();
    expect(await cache.get(configMaps, env.namespace, 'fresh')).not.toBeNull();
    expect(get).not.toHaveBeenCalled();
  });

  it('lists from the API server what the cache cannot answer', async () => {
    const setup = new KubeClient(env.kubeConfig);
    await setup.create(configMaps, env.namespace, { metadata: { name: 'by-field', labels } });
    const { client, cache } = await startedCache();
    const list = vi.spyOn(client, 'list');

    const byField = { labelSelector, fieldSelector: 'metadata.name=by-field' };
    const listed = await cache.list(configMaps, env.namespace, byField);
    expect(listed.items.map((o) => o.metadata?.name)).toEqual(['by-field']);
    const unlabelled = await cache.list(configMaps, env.namespace, { labelSelector: '!app' });
    expect(unlabelled.items.map((o) => o.metadata?.name)).not.toContain('by-field');
    expect(list.mock.calls.map(([, , options]) => options)).toEqual([
      byField,
      { labelSelector: '!app' },
    ]);
  });
});
