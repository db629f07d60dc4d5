import { CoreV1Api } from '@kubernetes/client-node';
import { KubeClient, resources } from '@roundhouse/kube';
import type { ControlPlane } from '@roundhouse/testenv';
import type { BenchGroup } from './harness.js';

/** Round trips to the real test API server: our adapter against the client it wraps. */
export async function apiGroups(plane: ControlPlane): Promise<BenchGroup[]> {
  const namespace = await plane.createNamespace('bench');
  const core = plane.kubeConfig.makeApiClient(CoreV1Api);
  const client = new KubeClient(plane.kubeConfig);
  await client.create(resources.configMaps, namespace, {
    metadata: { name: 'bench' },
    data: { key: 'value' },
  });
  for (let i = 0; i < 100; i++) {
    await client.create(resources.configMaps, namespace, {
      metadata: { name: `item-${i}`, labels: { bench: 'list' } },
      data: { key: 'x'.repeat(100) },
    });
  }
  return [
    {
      title: 'GET one ConfigMap from the real API server',
      baseline: {
        name: 'client-node CoreV1Api.readNamespacedConfigMap',
        fn: () => core.readNamespacedConfigMap({ name: 'bench', namespace }),
      },
      cases: [
        { name: 'KubeClient.get', fn: () => client.get(resources.configMaps, namespace, 'bench') },
      ],
    },
    {
      title: 'LIST 100 ConfigMaps by label from the real API server',
      baseline: {
        name: 'client-node CoreV1Api.listNamespacedConfigMap',
        fn: () => core.listNamespacedConfigMap({ namespace, labelSelector: 'bench=list' }),
      },
      cases: [
        {
          name: 'KubeClient.list',
          fn: () => client.list(resources.configMaps, namespace, { labelSelector: 'bench=list' }),
        },
      ],
    },
  ];
}
