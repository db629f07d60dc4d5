import type { PodState } from './status.js';
import type { EventState } from './stuck-start.js';

/**
 * The Job controller's records, on the Job, of a pod it created (`SuccessfulCreate`, `Created
 * pod: <name>`) or deleted (`SuccessfulDelete`, `Deleted pod: <name>`: a pod still active at
 * the deadline, or when the Job is suspended), from `RealPodControl` in
 * pkg/controller/controller_utils.go. The event correlator may prefix a message it aggregates
 * (`(combined from similar events): `), so only its end is matched.
 */
const podRecords: Readonly<Record<string, RegExp>> = {
  SuccessfulCreate: /Created pod: (\S+)$/,
  SuccessfulDelete: /Deleted pod: (\S+)$/,
};

/** The pod an event of the Job records the Job controller created or deleted, if it is one. */
function recordedPod(event: EventState): string | undefined {
  const record =
    event.reason && Object.hasOwn(podRecords, event.reason) ? podRecords[event.reason] : undefined;
  return record?.exec(event.message ?? '')?.[1];
}

/**
 * The names of the Job's own pods: those the Job controller recorded creating or deleting on
 * the Job, and those still listed under the Job's uid (`batch.kubernetes.io/controller-uid`). A
 * name alone says nothing: any pod may be named `<job>-<5 characters>` (a co-tenant's, by hand),
 * and its warnings would be taken for the Job's. A pod the Job controller deleted at the deadline
 * is listed no more, and only the Job's own events still name it: its `SuccessfulDelete`, as
 * fresh as the failure, outlives the `SuccessfulCreate` of a pod that waited an hour.
 */
export function ownPodNames(
  pods: readonly PodState[],
  jobEvents: readonly EventState[],
): ReadonlySet<string> {
  const names = new Set<string>();
  for (const pod of pods) if (pod.metadata?.name) names.add(pod.metadata.name);
  for (const event of jobEvents) {
    const name = recordedPod(event);
    if (name) names.add(name);
  }
  return names;
}

/**
 * Whether the Job's events still say which pods it created or deleted. The API server keeps an
 * Event for `--event-ttl` after its last update (1 h by default, as long as the default
 * deadline), so a Job that failed at an hour's deadline has usually lost its `SuccessfulCreate`,
 * but not the `SuccessfulDelete` of the pod it deleted then. The newest record names the newest
 * pod, the one whose start decided the Job's fate, since Events expire in the order written.
 */
export function recordsOwnPods(jobEvents: readonly EventState[]): boolean {
  return jobEvents.some((event) => recordedPod(event) !== undefined);
}

/**
 * The Job controller's generateName, `<job>-`, to which the API server adds 5 lowercase letters
 * and digits (apiserver's SimpleNameGenerator). An event may name anything (whoever writes
 * Events in the namespace chooses), and a name no pod can have (`<job>-a/../`) is no pod's: read
 * by name, it is a path the client refuses, which would fail the read of the Job's status.
 */
const generatedSuffix = /^[a-z0-9]{5}$/;

/** Whether `pod` is named as the Job controller names a pod of the Job `jobName`. */
export function isJobPodName(jobName: string, pod: string): boolean {
  return pod.startsWith(`${jobName}-`) && generatedSuffix.test(pod.slice(jobName.length + 1));
}

/** The label the Job controller puts on each pod it creates: the Job's uid. */
export const controllerUidLabel = 'batch.kubernetes.io/controller-uid';
