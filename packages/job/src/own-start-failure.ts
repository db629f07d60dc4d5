import { isDns1123Subdomain } from '@roundhouse/core';
import { type KubeObject, resources, type StatusContext } from '@roundhouse/kube';
import { workflowContainerName } from './job-spec.js';
import {
  describeStartFailure,
  type ListedPod,
  type MountEvent,
  newestStartFailure,
  readPodWarnings,
} from './mount-failures.js';
import { controllerUidLabel, isJobPodName, ownPodNames, recordsOwnPods } from './own-pods.js';
import type { PodState } from './status.js';
import type { EventState } from './stuck-start.js';
import { readWorkflowStarts } from './workflow-starts.js';

/**
 * Whether the pod named `name` may be the Job's: it is gone (the Job controller deletes a pod
 * that never started at the deadline), or it carries the Job's uid. One that exists without it
 * is someone else's, named like the Job's.
 */
async function mayBeJobsPod(job: KubeObject, name: string, context: StatusContext) {
  const pod = await context.reader.get<KubeObject>(resources.pods, context.namespace, name, {
    signal: context.signal,
  });
  return pod === null || pod.metadata?.labels?.[controllerUidLabel] === job.metadata?.uid;
}

/** A pod of the Job that exists, as its warnings are held to it. */
function listedPod(pod: PodState): ListedPod {
  const container = pod.status?.containerStatuses?.find((c) => c.name === workflowContainerName);
  const state = container?.state;
  return {
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid,
    createdAt: pod.metadata?.creationTimestamp,
    waiting: state?.waiting?.reason !== undefined,
    startedAt: state?.running?.startedAt ?? state?.terminated?.startedAt ?? undefined,
  };
}

/**
 * Why a failed Job's pods could not start, from the warnings about its own pods (`ownPodNames`:
 * `pods`, listed under its uid, and those its `jobEvents` record it created or deleted). Once no
 * event names a pod (a failure read longer than the API server's event TTL after it, or a pod
 * someone else deleted long after it was created), a gone pod is known only by its name, so a
 * pod named as the Job controller names the Job's counts too, unless a pod of that name exists
 * now without the Job's uid. Each such name is checked, newest warning first, with one read.
 * A pod that exists holds its warnings to its own uid and creation, and says itself why its
 * container waits; the kubelet's record of a container it could not create (a root image under
 * the restricted profile) is read for a pod that is gone or no longer says it. A pod that ran
 * after all gives no warning from before its start: a listed pod says when it started, a gone
 * pod's start is read from the kubelet's `Started` event (one read, only for a gone pod whose
 * warning would be given, and only once).
 */
export async function readOwnStartFailure(
  job: KubeObject,
  pods: readonly PodState[],
  jobEvents: readonly EventState[],
  context: StatusContext,
): Promise<string | undefined> {
  const own = ownPodNames(pods, jobEvents);
  const byName = !recordsOwnPods(jobEvents);
  const jobName = job.metadata?.name ?? '';
  const warnings = await readPodWarnings(context);
  const refuted = new Set<string>();
  const confirmed = new Set(own);
  const listed = pods.map(listedPod);
  const startsRead = new Set(listed.map((p) => p.name));
  const starts: MountEvent[] = [];
  const candidate = (pod: string) =>
    own.has(pod) || (byName && isJobPodName(jobName, pod) && !refuted.has(pod));
  for (;;) {
    const newest = newestStartFailure(candidate, job.metadata?.creationTimestamp, warnings, {
      scheduling: true,
      containerErrors: true,
      listed,
      starts,
    });
    if (!newest) return undefined;
    const pod = newest.involvedObject?.name ?? '';
    if (!confirmed.has(pod)) {
      if (!(await mayBeJobsPod(job, pod, context))) {
        refuted.add(pod);
        continue;
      }
      confirmed.add(pod);
    }
    // A name no pod can have (an event anyone may write names what it likes) never started.
    if (startsRead.has(pod) || !isDns1123Subdomain(pod)) return describeStartFailure(newest);
    startsRead.add(pod);
    starts.push(...(await readWorkflowStarts(context, pod)));
  }
}
