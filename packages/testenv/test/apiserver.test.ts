import { ApiException, CoreV1Api, VersionApi } from '@kubernetes/client-node';
import { expect, it, vi } from 'vitest';
import { pinnedVersions } from '../src/index.js';
import { describeWithControlPlane, useTestNamespace } from '../src/vitest/index.js';
import { recordWatch } from './watch.js';

describeWithControlPlane('kube-apiserver', () => {
  const env = useTestNamespace();

  it('reports the pinned Kubernetes version', async () => {
    const version = await env.kubeConfig.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe(`v${pinnedVersions.kubernetes}`);
  });

  it('serves create, read, update, list and delete', async () => {
    const core = env.kubeConfig.makeApiClient(CoreV1Api);
    const namespace = env.namespace;
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'crud' }, data: { step: 'created' } },
    });
    const read = await core.readNamespacedConfigMap({ name: 'crud', namespace });
    expect(read.data).toEqual({ step: 'created' });

    await core.replaceNamespacedConfigMap({
      name: 'crud',
      namespace,
      body: { ...read, data: { step: 'updated' } },
    });
    const list = await core.listNamespacedConfigMap({ namespace });
    expect(list.items.find((c) => c.metadata?.name === 'crud')?.data).toEqual({ step: 'updated' });

    await core.deleteNamespacedConfigMap({ name: 'crud', namespace });
    const gone = await core.readNamespacedConfigMap({ name: 'crud', namespace }).catch((e) => e);
    expect(gone).toBeInstanceOf(ApiException);
    expect((gone as ApiException<unknown>).code).toBe(404);
  });

  it('streams watch events in order', async () => {
    const core = env.kubeConfig.makeApiClient(CoreV1Api);
    const namespace = env.namespace;
    const start = await core.listNamespacedConfigMap({ namespace });
    const watch = await recordWatch(
      env.kubeConfig,
      `/api/v1/namespaces/${namespace}/configmaps`,
      start.metadata?.resourceVersion ?? '0',
    );
    try {
      const created = await core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: 'watched' }, data: { n: '1' } },
      });
      await core.replaceNamespacedConfigMap({
        name: 'watched',
        namespace,
        body: { ...created, data: { n: '2' } },
      });
      await core.deleteNamespacedConfigMap({ name: 'watched', namespace });
      await vi.waitFor(
        () => expect(watch.events.filter((e) => e.name === 'watched')).toHaveLength(3),
        { timeout: 30_000, interval: 100 },
      );
      expect(watch.events.filter((e) => e.name === 'watched').map((e) => e.type)).toEqual([
        'ADDED',
        'MODIFIED',
        'DELETED',
      ]);
    } finally {
      watch.stop();
    }
  });
});
