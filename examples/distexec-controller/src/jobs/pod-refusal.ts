import type { ExecutionResult } from '@roundhouse/core';
import { EventStateSchema, explainStuckStart, type JobState } from '@roundhouse/job';
import { type KubeObject, resources, type StatusContext } from '@roundhouse/kube';

/** The reason of a node whose Job ended without ever getting its pod past the API server. */
export const podRefused = 'PodRefused';

/**
 * Whether the Job controller never created a pod of the Job, as the Job's counters say: a Job
 * that ran one and lost it (deadline, eviction) counts it among the failed.
 */
export function neverHadPod(job: JobState): boolean {
  const { active, succeeded, failed, terminating, uncountedTerminatedPods } = job.status ?? {};
  const uncounted =
    (uncountedTerminatedPods?.succeeded?.length ?? 0) +
    (uncountedTerminatedPods?.failed?.length ?? 0);
  return (active ?? 0) + (succeeded ?? 0) + (failed ?? 0) + (terminating ?? 0) + uncounted === 0;
}

/**
 * A failed Job's result with the cause its pod never existed, when the Job controller's
 * FailedCreate Event says the API server refused it (a pod quota, a refused pod template): the
 * Job itself only says that its deadline passed. Read live, for this failure alone; the Event
 * may be gone (its TTL, one hour by default), and the result is then left as it was.
 */
export async function withPodRefusal(
  failed: ExecutionResult,
  job: KubeObject,
  context: StatusContext,
): Promise<ExecutionResult> {
  const { items } = await context.reader.list<KubeObject>(resources.events, context.namespace, {
    fieldSelector: `involvedObject.uid=${job.metadata?.uid}`,
    signal: context.signal,
  });
  const stuck = explainStuckStart(
    [],
    items.map((event) => EventStateSchema.parse(event)),
  );
  if (!stuck) return failed;
  return {
    ...failed,
    reason: podRefused,
    message: [failed.message, stuck.description].filter(Boolean).join('; '),
    failureReason: stuck.reason,
  };
}
