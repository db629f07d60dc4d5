import { type KubeClient, type KubeObject, resources } from '@roundhouse/kube';

/**
 * A pod someone who may create pods in `namespace` names as they like, no Job's: the decoy a
 * Job's own pods must not be taken for.
 */
export function createCoTenantPod(client: KubeClient, namespace: string, name: string) {
  return client.create(resources.pods, namespace, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'registry.invalid/theirs:1' }] },
  } as KubeObject);
}
