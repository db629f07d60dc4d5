import { formatKubeTime } from '@roundhouse/core';
import { type KubeClient, resources } from '@roundhouse/kube';

/** A Warning event of the pod `pod`, as a kubelet or the scheduler records one. */
export interface PodWarning {
  pod: string;
  reason: string;
  message: string;
  /**
   * When it was seen; without it the event has no times or count, as some recorders write it,
   * and only its creation dates it.
   */
  at?: number | undefined;
  component?: 'kubelet' | 'default-scheduler' | undefined;
  /** The pod's uid, which the kubelet's and the scheduler's events carry. */
  uid?: string | undefined;
}

/** Records `warning` in `namespace`, the fake node writing no events of its own. */
export function recordPodWarning(client: KubeClient, namespace: string, warning: PodWarning) {
  const { pod, reason, message, at, component = 'kubelet', uid } = warning;
  const times =
    at === undefined
      ? {}
      : {
          firstTimestamp: formatKubeTime(new Date(at)),
          lastTimestamp: formatKubeTime(new Date(at)),
          count: 1,
        };
  return client.create(resources.events, namespace, {
    // An Event's own name is a DNS subdomain, whatever object it names.
    metadata: { name: `${pod.replace(/[^a-z0-9.-]/g, 'x')}.${reason.toLowerCase()}` },
    involvedObject: { kind: 'Pod', name: pod, namespace, ...(uid ? { uid } : {}) },
    reason,
    type: 'Warning',
    message,
    ...times,
    source: { component },
  });
}
