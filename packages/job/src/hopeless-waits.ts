import type { FailureReason } from '@roundhouse/core';

/**
 * Waiting reasons after which a container will not start without someone changing something:
 * retrying the pull or the container creation cannot help, so waiting for the deadline would
 * only hide the cause. ErrImagePull is left out: the kubelet reports it on the first failed
 * pull, before it backs off and retries. ErrImageNeverPull never turns into a back-off: with
 * `imagePullPolicy: Never` the kubelet tries no pull, and says so on every sync until someone
 * puts the image on the node. Shared by every engine that runs pods.
 */
const hopelessWaits: Readonly<Record<string, FailureReason>> = {
  ImagePullBackOff: 'ImagePullBackOff',
  InvalidImageName: 'ImagePullBackOff',
  ErrImageNeverPull: 'ImagePullBackOff',
  CreateContainerConfigError: 'ConfigurationError',
  CreateContainerError: 'ConfigurationError',
};

/**
 * Messages of a CreateContainerError or CreateContainerConfigError that name the node, not the
 * pod: the kubelet puts the container runtime's own error in the waiting message
 * (`startContainer`, pkg/kubelet/kuberuntime/kuberuntime_container.go) and tries again on its
 * next sync. A runtime too slow to answer (`context deadline exceeded`), or containerd still
 * holding the name of a create that timed out (`failed to reserve container name`), and the
 * kubelet's own ConfigMap or Secret cache not synced in time (`failed to sync configmap cache`,
 * pkg/kubelet/util/manager/watch_based_manager.go) say nothing wrong with what the workflow asks
 * for, and often pass; the execution's deadline still ends one that does not.
 */
const nodeTroubles = [
  /context deadline exceeded/,
  /failed to reserve container name/,
  /failed to sync \S+ cache/,
];

/**
 * The failure a container waiting for `reason` (with the kubelet's `message`) ends in, or
 * undefined while it may still start.
 */
export function hopelessWait(
  reason: string | null | undefined,
  message?: string | null,
): FailureReason | undefined {
  if (!reason || !Object.hasOwn(hopelessWaits, reason)) return undefined;
  if (message && nodeTroubles.some((trouble) => trouble.test(message))) return undefined;
  return hopelessWaits[reason];
}
