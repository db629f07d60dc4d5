/** The parts of a pod's metadata that say whether, and when, someone asked to delete it. */
export interface PodDeletionSource {
  readonly deletionTimestamp?: string | null | undefined;
  readonly deletionGracePeriodSeconds?: number | null | undefined;
}

/**
 * Whether a container that finished at `finishedAt` was killed by its pod's deletion: the pod
 * is being deleted and the container stopped once the deletion was asked for. The API server
 * sets `deletionTimestamp` to the request's time plus the grace period, and the kubelet then
 * stops the containers (SIGTERM, SIGKILL after the grace period), so their exit codes (143, 137)
 * say how they stopped, not that the workflow failed. The Job controller counts a deleted pod as
 * failed (`isPodFailed`, pkg/controller/job/job_controller.go), so with `backoffLimit: 0` a pod
 * someone deletes fails the Job. A container that had already stopped failed on its own.
 */
export function killedByDeletion(
  metadata: PodDeletionSource | undefined,
  finishedAt: string | null | undefined,
): boolean {
  const deletion = Date.parse(metadata?.deletionTimestamp ?? '');
  const finished = Date.parse(finishedAt ?? '');
  if (Number.isNaN(deletion) || Number.isNaN(finished)) return false;
  const requested = deletion - (metadata?.deletionGracePeriodSeconds ?? 0) * 1000;
  return finished >= requested;
}
