import type { PodState } from './status.js';
import type { EventState } from './stuck-start.js';

/**
 * The Job controller's record of a pod it created, on the Job: reason `SuccessfulCreate`,
 * message `Created pod: <name>` (`RealPodControl.createPods`, pkg/controller/controller_utils.go).
 * The event correlator may prefix a message it aggregates (`(combined from similar events): `),
 * so only its end is matched.
 */
const createdPod = /Created pod: (\S+)$/;

/**
 * The names of the Job's own pods: those the Job controller recorded creating on the Job, and
 * those still listed under the Job's uid (`batch.kubernetes.io/controller-uid`). A name alone
 * says nothing: any pod may be named `<job>-<5 characters>` (a co-tenant's, by hand), and its
 * warnings would be taken for the Job's. A pod the Job controller deleted at the deadline is
 * listed no more, and only the Job's own events still name it.
 */
export function ownPodNames(
  pods: readonly PodState[],
  jobEvents: readonly EventState[],
): ReadonlySet<string> {
  const names = new Set<string>();
  for (const pod of pods) if (pod.metadata?.name) names.add(pod.metadata.name);
  for (const event of jobEvents) {
    if (event.reason !== 'SuccessfulCreate') continue;
    const name = createdPod.exec(event.message ?? '')?.[1];
    if (name) names.add(name);
  }
  return names;
}

/**
 * Whether the Job's events still record which pods it created. The API server keeps an Event
 * for `--event-ttl` after its last update (1 h by default, as long as the default deadline), so
 * a Job that failed at an hour's deadline has usually lost its `SuccessfulCreate`.
 */
export function recordsCreatedPods(jobEvents: readonly EventState[]): boolean {
  return jobEvents.some((event) => event.reason === 'SuccessfulCreate');
}

/** The Job controller's generateName, `<job>-`, to which the API server adds 5 characters. */
const generatedSuffixLength = 5;

/** Whether `pod` is named as the Job controller names a pod of the Job `jobName`. */
export function isJobPodName(jobName: string, pod: string): boolean {
  return pod.startsWith(`${jobName}-`) && pod.length === jobName.length + 1 + generatedSuffixLength;
}

/** The label the Job controller puts on each pod it creates: the Job's uid. */
export const controllerUidLabel = 'batch.kubernetes.io/controller-uid';
