import type { ExecutionResult } from '@roundhouse/core';
import type { PodState } from './status.js';

/**
 * Whether a failed Job's result, read with its pods from a controller's cache, is read again with
 * its pods from the API server: the cache is fed by two watches, one of Jobs and one of their
 * pods that have not started or have failed, so a Job seen Failed before its failed pod (a watch
 * behind on a loaded machine, or restarted after an outage) has no exit code there, nor OOMKilled
 * or the container's message, and the failure a controller records once would keep none. The
 * cache may hold the pod still as it was before it ran (waiting), so what tells is that no pod
 * there has failed. One read, of a failure the cache cannot explain: a success never comes here,
 * a pod the cache holds failed says why itself (an admission refusal, an eviction), and a Job
 * failed at its deadline failed for that whatever its pod says.
 */
export function mayLagJobFailure(
  failed: ExecutionResult,
  cachedPods: readonly PodState[],
  fromCache: boolean,
): boolean {
  return (
    fromCache &&
    failed.exitCode === undefined &&
    failed.failureReason !== 'DeadlineExceeded' &&
    !cachedPods.some((pod) => pod.status?.phase === 'Failed')
  );
}
