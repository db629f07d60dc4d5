import type { FailureReason } from '@roundhouse/core';
import { withoutQuotaUsage } from '@roundhouse/kube';
import { z } from 'zod';
import { hopelessWait } from './hopeless-waits.js';
import { workflowContainerName } from './job-spec.js';
import type { PodState } from './status.js';

/** The parts of a core/v1 Event the explanation reads. */
export const EventStateSchema = z.looseObject({
  reason: z.string().optional(),
  message: z.string().optional(),
  type: z.string().optional(),
});

export type EventState = z.infer<typeof EventStateSchema>;

/**
 * A FailedCreate the API server's refusal caused. The Job controller records a failed pod
 * create as `Error creating: <the API server's answer>`, and an Event keeps only that answer's
 * text, no status code. apimachinery words a refusal (403 Forbidden: quota, pod security, a
 * missing ServiceAccount; 422 Invalid) as `pods "<name>" is forbidden: …` or `… is invalid: …`;
 * a timeout, a 5xx or a throttled request is worded otherwise, and the Job controller creates
 * the pod again after it, so it says nothing about whether the Job can start. A validating
 * webhook's denial (a policy engine's: Kyverno, Gatekeeper) is worded by the API server as
 * `admission webhook "<name>" denied the request…` (ToStatusErr, apiserver's
 * admission/plugin/webhook/errors), and refuses the same pod template again on every try; a
 * webhook that could not be called (`failed calling webhook "<name>": …`) may answer next time.
 */
const refusedCreate =
  /^(Error creating: )?(pods "[^"]*" is (forbidden|invalid): |admission webhook "[^"]*" denied the request)/;

/**
 * The ResourceQuota admission plugin's refusal of a pod past a quota's hard limit
 * (`exceeded quota: <quota>, requested: …, used: …, limited: …`, its Forbidden's cause): the
 * namespace is out of room, which the Tekton engine reports as `ResourceExhausted` for the same
 * refusal, quoted without the quota's figures (`withoutQuotaUsage`): the namespace may be shared
 * by many tenants' executions, whose usage they are. A quota the pod does not satisfy (`failed
 * quota: <quota>: must specify …`) asks the pod template for requests it lacks, and stays a
 * configuration error.
 */
const exceededQuota = /^(Error creating: )?pods "[^"]*" is forbidden: exceeded quota: /;

/**
 * The ResourceQuota admission plugin's refusal while the quota controller has not yet counted
 * a new quota's usage (`status unknown for quota: <quota>, resources: …`): a 403 that passes
 * once the count is in, seconds later, and the Job controller creates the pod again after it.
 * Waited out like a timeout; the execution's deadline ends one that never passes.
 */
const uncountedQuota = /^(Error creating: )?pods "[^"]*" is forbidden: status unknown for quota: /;

export interface StuckStart {
  readonly reason: FailureReason;
  readonly description: string;
}

/**
 * Why a running Job's workload cannot start, if it cannot: the API server refused the pod the
 * Job controller tried to create (a FailedCreate event: quota, a refused pod template), or the
 * pod's container waits for something that will not come. Undefined while starting is merely
 * slow, or a create failed in a way the Job controller retries (an API server that timed out).
 * A refusal for a quota is `ResourceExhausted`, any other `ConfigurationError`.
 */
export function explainStuckStart(
  pods: readonly PodState[],
  events: readonly EventState[],
): StuckStart | undefined {
  for (const pod of pods) {
    const container = pod.status?.containerStatuses?.find((c) => c.name === workflowContainerName);
    const waiting = container?.state?.waiting;
    const reason = hopelessWait(waiting?.reason, waiting?.message);
    if (reason && waiting?.reason) {
      return {
        reason,
        description: `container ${workflowContainerName} in pod ${pod.metadata?.name ?? '?'} cannot start: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`,
      };
    }
  }
  if (pods.length > 0) return undefined;
  const failedCreate = events.find(
    (e) =>
      e.reason === 'FailedCreate' &&
      e.type === 'Warning' &&
      refusedCreate.test(e.message ?? '') &&
      !uncountedQuota.test(e.message ?? ''),
  );
  if (!failedCreate) return undefined;
  const message = failedCreate.message ?? '';
  if (!exceededQuota.test(message)) {
    return {
      reason: 'ConfigurationError',
      description: `the Job could not create its pod: ${message}`,
    };
  }
  return {
    reason: 'ResourceExhausted',
    description: `the Job could not create its pod: ${withoutQuotaUsage(message)}`,
  };
}

/**
 * How soon a Job past its startup grace whose pod is still on its way to starting is looked at
 * again. A pod's waiting reason changes nothing on the Job, so without it a pull the kubelet
 * gives up on after the grace would be seen only at the controller's resync. The look reads the
 * controller's cache of pods and costs no request; the kubelet's image pull back-off starts at
 * 10 s, so a look every 5 s sees an ImagePullBackOff within seconds of the kubelet's verdict.
 */
export const startingPodRecheckMs = 5_000;

/** The soonest a Job without a pod is looked at again: a refusal right after the grace is seen within seconds. */
const podlessRecheckMinMs = 5_000;

/** The latest: a Job that never gets a pod costs one list a minute for as long as it lasts. */
const podlessRecheckMaxMs = 60_000;

/**
 * How soon a Job that has no pod `pastGraceMs` after its startup grace ran out is looked at
 * again. Each look lists the Job's Events, a request to the API server, and a Job lacks a pod
 * for long also when nothing is wrong with it: a Job controller throttled to its default 20
 * requests a second takes most of a minute to create the pods of 500 Jobs made at once, and a
 * webhook that cannot be called keeps failing every create for as long as it is down, with no
 * deadline to end the wait when the execution sets none. So the looks thin out as the wait
 * grows, with no state kept: every 5 s at first, then as long as the Job has waited past the
 * grace (a refusal is seen within twice the time it took to come), and once a minute at most.
 */
export function podlessRecheckMs(pastGraceMs: number): number {
  return Math.min(podlessRecheckMaxMs, Math.max(podlessRecheckMinMs, Math.ceil(pastGraceMs)));
}

/**
 * Whether one of `pods` (the Job's pods that are not running, as the cache holds them) is still
 * on its way to starting its workflow container: Pending (or with no phase yet), not scheduled
 * or waiting. A pod that failed (it ran, or the kubelet rejected or evicted it before its
 * container started) changes the Job's counters, which wakes the controller by itself.
 */
export function isStarting(pods: readonly PodState[]): boolean {
  return pods.some((pod) => {
    const phase = pod.status?.phase;
    if ((phase !== undefined && phase !== 'Pending') || pod.metadata?.deletionTimestamp) {
      return false;
    }
    const state = pod.status?.containerStatuses?.find(
      (c) => c.name === workflowContainerName,
    )?.state;
    return !state?.running && !state?.terminated;
  });
}
