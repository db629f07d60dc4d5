import { formatKubeTime } from '@roundhouse/core';
import { type KubeClient, resources } from '@roundhouse/kube';

/**
 * Records the kubelet's `Started` event of the `workflow` container of the pod `pod` (uid
 * `uid`) at `at`, the fake node writing no events of its own.
 */
export function recordWorkflowStart(
  client: KubeClient,
  namespace: string,
  start: { pod: string; uid: string | undefined; at: number },
) {
  const { pod, uid, at } = start;
  return client.create(resources.events, namespace, {
    metadata: { name: `${pod}.started` },
    involvedObject: {
      kind: 'Pod',
      name: pod,
      namespace,
      ...(uid ? { uid } : {}),
      fieldPath: 'spec.containers{workflow}',
    },
    reason: 'Started',
    type: 'Normal',
    message: 'Started container workflow',
    firstTimestamp: formatKubeTime(new Date(at)),
    lastTimestamp: formatKubeTime(new Date(at)),
    count: 1,
    source: { component: 'kubelet' },
  });
}
