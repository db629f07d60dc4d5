import type { FailureReason } from '@roundhouse/core';

/**
 * What a container waiting for each reason says is wrong: an image the node cannot have, or a
 * container the kubelet cannot create as the pod asks. One table for a start that is still on
 * its way (`hopelessWait`) and for a Job that failed while its pod waited (`waitFailure`), so a
 * reason means the same before and after the Job ends. ErrImageNeverPull is a pull that cannot
 * happen: with `imagePullPolicy: Never` the kubelet tries none, and says so on every sync until
 * someone puts the image on the node. Shared by every engine that runs pods.
 */
const waitFailures: Readonly<Record<string, FailureReason>> = {
  ErrImagePull: 'ImagePullBackOff',
  ImagePullBackOff: 'ImagePullBackOff',
  InvalidImageName: 'ImagePullBackOff',
  ErrImageNeverPull: 'ImagePullBackOff',
  CreateContainerConfigError: 'ConfigurationError',
  CreateContainerError: 'ConfigurationError',
};

/**
 * Waiting reasons the kubelet gets past by itself: ErrImagePull is its first failed pull, before
 * it backs off and retries, so while the start is on its way it proves nothing yet.
 */
const retriedWaits: ReadonlySet<string> = new Set(['ErrImagePull']);

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

/** Whether the kubelet's `message` of a failed container create names the node, not the pod. */
export function isNodeTrouble(message: string | null | undefined): boolean {
  return !!message && nodeTroubles.some((trouble) => trouble.test(message));
}

/**
 * The failure a container that waited for `reason` (with the kubelet's `message`) stands for,
 * or undefined when the wait says nothing wrong with the pod (ContainerCreating, a node
 * trouble).
 */
export function waitFailure(
  reason: string | null | undefined,
  message?: string | null,
): FailureReason | undefined {
  if (!reason || !Object.hasOwn(waitFailures, reason) || isNodeTrouble(message)) return undefined;
  return waitFailures[reason];
}

/**
 * The failure a container waiting for `reason` (with the kubelet's `message`) ends in, or
 * undefined while it may still start: retrying the pull or the container creation cannot help,
 * so waiting for the deadline would only hide the cause.
 */
export function hopelessWait(
  reason: string | null | undefined,
  message?: string | null,
): FailureReason | undefined {
  return reason && retriedWaits.has(reason) ? undefined : waitFailure(reason, message);
}
