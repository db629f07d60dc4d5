import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { startControlPlane } from '@roundhouse/testenv';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterEach, expect, it, vi } from 'vitest';
import { Informer } from '../src/index.js';
import { patience } from './widgets.js';

type ConfigMap = KubeObject & { data?: Record<string, string> };

/** An informer on ConfigMaps that logs what its handlers see. */
function watched(informer: Informer<ConfigMap>) {
  const seen: string[] = [];
  informer
    .on('add', (o) => seen.push(`add ${o.metadata?.name}`))
    .on('update', (o, old) => seen.push(`update ${o.metadata?.name} ${old?.data?.v}->${o.data?.v}`))
    .on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
  return seen;
}

describeWithControlPlane('Informer on a real API server', () => {
  const env = useTestNamespace();
  const informers: Informer<ConfigMap>[] = [];

  afterEach(async () => {
    await Promise.all(informers.splice(0).map((i) => i.stop()));
  });

  const informer = (options: ConstructorParameters<typeof Informer>[2]) => {
    const created = new Informer<ConfigMap>(env.kubeConfig, resources.configMaps, options);
    informers.push(created);
    return created;
  };

  it('sees adds, updates and deletes, and serves get and list from its cache', async () => {
    const client = new KubeClient(env.kubeConfig);
    const labels = { app: 'informer-basic' };
    await client.create(resources.configMaps, env.namespace, {
      metadata: { name: 'before', labels },
      data: { v: '1' },
    });
    await client.create(resources.configMaps, env.namespace, {
      metadata: { name: 'unlabelled' },
    });
    const cache = informer({ namespace: env.namespace, labelSelector: 'app=informer-basic' });
    const seen = watched(cache);
    await cache.start();
    expect(cache.hasSynced()).toBe(true);
    expect(seen).toEqual(['add before']);
    expect(cache.get(env.namespace, 'before')?.data).toEqual({ v: '1' });
    expect(cache.get(env.namespace, 'unlabelled')).toBeUndefined();

    await client.create(resources.configMaps, env.namespace, {
      metadata: { name: 'after', labels },
      data: { v: '1' },
    });
    await client.patch(resources.configMaps, env.namespace, 'before', { data: { v: '2' } });
    await client.delete(resources.configMaps, env.namespace, 'after');
    await vi.waitFor(() => expect(seen).toHaveLength(4), patience);
    expect(seen).toEqual(['add before', 'add after', 'update before 1->2', 'delete after']);
    expect(cache.list(env.namespace).map((o) => [o.metadata?.name, o.data?.v])).toEqual([
      ['before', '2'],
    ]);
  });

  it('watches every namespace and lists per namespace', async () => {
    const client = new KubeClient(env.kubeConfig);
    const other = await env.controlPlane.createNamespace('informer-other');
    try {
      const labels = { app: 'informer-wide' };
      const cache = informer({ labelSelector: 'app=informer-wide' });
      const seen = watched(cache);
      await cache.start();
      await client.create(resources.configMaps, env.namespace, {
        metadata: { name: 'here', labels },
      });
      await client.create(resources.configMaps, other, { metadata: { name: 'there', labels } });
      await vi.waitFor(() => expect(seen.sort()).toEqual(['add here', 'add there']), patience);
      expect(
        cache
          .list()
          .map((o) => o.metadata?.name)
          .sort(),
      ).toEqual(['here', 'there']);
      expect(cache.list(other).map((o) => o.metadata?.name)).toEqual(['there']);
      expect(cache.get(other, 'there')?.metadata?.namespace).toBe(other);
    } finally {
      await env.controlPlane.deleteNamespace(other);
    }
  });

  it('keeps its cache current across an API server restart, where client-node’s informer stops', async () => {
    const plane = await startControlPlane();
    try {
      const namespace = await plane.createNamespace('informer-restart');
      const client = new KubeClient(plane.kubeConfig);
      const cache = new Informer<ConfigMap>(plane.kubeConfig, resources.configMaps, { namespace });
      informers.push(cache);
      const seen = watched(cache);
      await client.create(resources.configMaps, namespace, { metadata: { name: 'a' } });
      await cache.start();
      await plane.restartApiServer();
      await client.delete(resources.configMaps, namespace, 'a');
      await client.create(resources.configMaps, namespace, { metadata: { name: 'b' } });
      await vi.waitFor(() => expect(seen).toContain('add b'), { timeout: 60_000, interval: 100 });
      // Resumed from its resourceVersion the watch reports both in order; after a relist (when the
      // restarted server no longer has that resourceVersion) they arrive together.
      expect(seen[0]).toBe('add a');
      expect(seen.slice(1).sort()).toEqual(['add b', 'delete a']);
      expect(cache.get(namespace, 'a')).toBeUndefined();
      await cache.stop();
    } finally {
      await plane.stop();
    }
  });
});
