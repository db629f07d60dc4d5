import type { Conventions, ExecutionResult } from '@roundhouse/core';
import type { Reader, StatusContext } from '@roundhouse/kube';
import { jobPodStates } from './job-pods.js';
import { type JobState, jobResult, type PodState } from './status.js';

/**
 * Whether a failed Job's result, read with its pods from a controller's cache, is read again with
 * its pods from the API server: the cache is fed by two watches, one of Jobs and one of their
 * pods that have not started or have failed, so a Job seen Failed before its failed pod (a watch
 * behind on a loaded machine, or restarted after an outage) has no exit code there, nor OOMKilled
 * or the container's message, and the failure a controller records once would keep none. The
 * cache may hold the pod still as it was before it ran (waiting), so what tells is that no pod
 * there has failed. One read, of a failure the cache cannot explain: a success never comes here,
 * a pod the cache holds failed says why itself (an admission refusal, an eviction), and a Job
 * failed at its deadline failed for that whatever its pod says. `readJobFailure` applies it.
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

/** A failed Job explained by its pods, and where the rest of its failure is to be read. */
export interface JobFailure {
  /** `jobResult` of the Job with its pods: the exit code, OOMKilled, the container's message. */
  readonly result: ExecutionResult;
  /** The Job's pods that have not started or have failed, as `result` read them. */
  readonly pods: readonly PodState[];
  /**
   * Where anything else about this failure is read (the Job's or its pods' Events): `context`,
   * or the API server once the pods were read there, so the failure is told from one source.
   */
  readonly context: StatusContext;
}

/**
 * A failed Job's result as its pods explain it, for the `result` of a `ResourceEngine` whose
 * resource is a Job (as `JobExecutor`'s is): the pods are read through `context`, a
 * controller's cache, and once more from `apiServer` when the cache cannot explain the failure
 * (`mayLagJobFailure`: it shows the Job Failed before any of its pods failed). `apiServer` is the
 * `KubeClient` the engine's `ResourceExecutor` was given: its `fresh` status reads hand it as
 * `context.reader`, and those, read live throughout, are never read twice. `job` is the Job as
 * `JobStateSchema` parses it, failed (`jobResult(job).phase === 'Failed'`).
 */
export async function readJobFailure(
  job: JobState,
  context: StatusContext,
  apiServer: Reader,
  conventions: Conventions,
): Promise<JobFailure> {
  const pods = await jobPodStates(job, context, conventions);
  const failed = jobResult(job, pods);
  if (!mayLagJobFailure(failed, pods, context.reader !== apiServer)) {
    return { result: failed, pods, context };
  }
  const live = { ...context, reader: apiServer };
  const livePods = await jobPodStates(job, live, conventions);
  return { result: jobResult(job, livePods), pods: livePods, context: live };
}
