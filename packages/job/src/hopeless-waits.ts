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

/** The failure a container waiting for `reason` ends in, or undefined while it may still start. */
export function hopelessWait(reason: string | null | undefined): FailureReason | undefined {
  return reason && Object.hasOwn(hopelessWaits, reason) ? hopelessWaits[reason] : undefined;
}
