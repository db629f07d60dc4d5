import type { FailureReason } from '@roundhouse/core';

/**
 * Waiting reasons after which a container will not start without someone changing something:
 * retrying the pull or the container creation cannot help, so waiting for the deadline would
 * only hide the cause. ErrImagePull is left out: the kubelet reports it on the first failed
 * pull, before it backs off and retries. Shared by every engine that runs pods.
 */
const hopelessWaits: Readonly<Record<string, FailureReason>> = {
  ImagePullBackOff: 'ImagePullBackOff',
  InvalidImageName: 'ImagePullBackOff',
  CreateContainerConfigError: 'ConfigurationError',
  CreateContainerError: 'ConfigurationError',
};

/** The failure a container waiting for `reason` ends in, or undefined while it may still start. */
export function hopelessWait(reason: string | null | undefined): FailureReason | undefined {
  return reason && Object.hasOwn(hopelessWaits, reason) ? hopelessWaits[reason] : undefined;
}
