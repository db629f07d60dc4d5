import type { ExecutionResult } from '@roundhouse/core';
import { type KubeObject, resources, type StatusContext } from '@roundhouse/kube';
import { z } from 'zod';
import { isNodeTrouble } from './hopeless-waits.js';

/**
 * The warnings about a pod that could not start: the scheduler's, that no node fits it, and the
 * kubelet's, a volume it could not mount (a Secret or ConfigMap that is gone) or an image it
 * could not pull. The pod waits and says why only there, and the Job controller deletes it at
 * the deadline, so a Job that fails without ever running would otherwise give no cause; the
 * events outlive the pod.
 */
const podWarningsSelector = 'involvedObject.kind=Pod,type=Warning';

export const MountEventSchema = z.looseObject({
  metadata: z.looseObject({ creationTimestamp: z.string().optional() }).optional(),
  involvedObject: z
    .looseObject({
      name: z.string().optional(),
      uid: z.string().optional(),
      // Which container of the pod a kubelet's event is about: `spec.containers{<name>}`.
      fieldPath: z.string().optional(),
    })
    .optional(),
  type: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTimestamp: z.string().nullish(),
  eventTime: z.string().nullish(),
  firstTimestamp: z.string().nullish(),
});

export type MountEvent = z.infer<typeof MountEventSchema>;

/** An event message is the kubelet's, of any length; a status condition needs it short. */
const maxMessageLength = 300;

/**
 * The kubelet reports a failed pull under the generic reason `Failed` (`Failed to pull image
 * "…": …`, then `Error: ErrImagePull` and `Error: ImagePullBackOff`), which it also gives
 * failures that are no pull's (a probe, a container start), so the message decides.
 */
const imagePullMessage = /pull image|errimagepull|imagepullbackoff/i;

/**
 * The kubelet's record of a container it could not create or start (`startContainer`,
 * pkg/kubelet/kuberuntime/kuberuntime_container.go, reason `Failed`): `Error: ` and the cause its
 * container's waiting message gives too, such as CreateContainerConfigError's `container has
 * runAsNonRoot and image will run as root …` under the restricted profile, a Secret key that is
 * not there, or ErrImageNeverPull.
 */
const containerError = /^Error: /;

/**
 * The scheduler's reason for a pod it found no node for (`handleSchedulingFailure`,
 * pkg/scheduler/schedule_one.go), with the count of nodes and why each was ruled out. The pod
 * stays Pending without a word in its container statuses.
 */
const failedScheduling = 'FailedScheduling';

/** A pod the engine listed, which exists now: what its warnings are held to. */
export interface ListedPod {
  readonly name: string;
  readonly uid?: string | undefined;
  readonly createdAt?: string | undefined;
  /** Whether its container still waits, its status saying why itself. */
  readonly waiting?: boolean | undefined;
  /** When its workflow container started (running, or terminated after it ran), if it did. */
  readonly startedAt?: string | undefined;
}

/**
 * Which warnings to read besides the kubelet's mounts and pulls, for an engine whose pod is gone
 * by the time it explains the failure (a Job's, deleted at the deadline); an engine that still
 * holds its pod reads these from the pod. `scheduling` takes the scheduler's, `containerErrors`
 * the kubelet's failure to create or start the container (CreateContainerConfigError): not one
 * the node itself caused (`isNodeTrouble`), which says nothing of the pod, nor one of a `listed`
 * pod whose container still waits, whose status says why already.
 */
export interface StartFailureReads {
  readonly scheduling?: boolean | undefined;
  readonly containerErrors?: boolean | undefined;
  /**
   * The pods that exist now: a warning about one of their names counts only if it is about that
   * very pod, its uid (where the event and the pod both carry one), and not older than the pod.
   * A pod of the same name before it (the lock's name is reused, and so are its pods' names by
   * chance) left warnings that are not this one's.
   */
  readonly listed?: readonly ListedPod[] | undefined;
  /**
   * The kubelet's `Started` events of the workflow container of pods that are gone
   * (`readWorkflowStarts`). A pod that could not start for a while (a Secret created late, a pull
   * that worked at the third try, a node found at last) and then ran left warnings that say
   * nothing of why the Job failed: those up to its start do not count, nor do those up to the
   * `startedAt` of a `listed` pod.
   */
  readonly starts?: readonly MountEvent[] | undefined;
}

/**
 * Whether the event says why a pod could not start: a failed mount or a failed pull, and with
 * `reads`, no node for it or a container the kubelet could not create.
 */
function isStartFailure(
  event: MountEvent,
  reads: StartFailureReads,
  listed: ListedPod | undefined,
): boolean {
  if (event.reason === 'FailedMount') return true;
  if (event.reason === failedScheduling) return reads.scheduling === true;
  if (event.reason !== 'Failed') return false;
  const message = event.message ?? '';
  if (imagePullMessage.test(message)) return true;
  return (
    reads.containerErrors === true &&
    containerError.test(message) &&
    !isNodeTrouble(message) &&
    listed?.waiting !== true
  );
}

/** Whether the event is about `pod` itself, not an earlier pod of its name. */
function isAbout(event: MountEvent, pod: ListedPod): boolean {
  const uid = event.involvedObject?.uid;
  if (uid && pod.uid && uid !== pod.uid) return false;
  return !(when(event) < Date.parse(pod.createdAt ?? ''));
}

/**
 * Whether the pod the warning is about started after it: a `starts` event of the same pod (its
 * uid, where both carry one) seen then or later, or the `listed` pod's own start. Times are whole
 * seconds, and the kubelet writes a warning before the start that ends it, so the same second
 * counts as after.
 */
function startedSince(
  event: MountEvent,
  listed: ListedPod | undefined,
  starts: readonly MountEvent[],
): boolean {
  const at = when(event);
  if (listed) return at <= Date.parse(listed.startedAt ?? '');
  const { name, uid } = event.involvedObject ?? {};
  return starts.some((start) => {
    const startUid = start.involvedObject?.uid;
    return (
      start.involvedObject?.name === name &&
      !(uid && startUid && uid !== startUid) &&
      at <= when(start)
    );
  });
}

/** When the event was last seen; its object's creation when the recorder wrote no time. */
function when(event: MountEvent): number {
  return Date.parse(
    event.lastTimestamp ??
      event.eventTime ??
      event.firstTimestamp ??
      event.metadata?.creationTimestamp ??
      '',
  );
}

/**
 * The newest warning of `events` that says why a pod `isOwnPod` accepts could not start: a
 * FailedMount or failed image pull, and what `reads` adds, held to the `reads.listed` pods' own
 * uids and creation, and none from before the pod started after all (`reads.starts`). Events older than the resource created at `createdAt` are a previous one's
 * of the same name (the lock's name is reused target after target), so they do not count.
 */
export function newestStartFailure(
  isOwnPod: (pod: string) => boolean,
  createdAt: string | undefined,
  events: readonly MountEvent[],
  reads: StartFailureReads = {},
): MountEvent | undefined {
  const since = Date.parse(createdAt ?? '');
  let newest: MountEvent | undefined;
  for (const event of events) {
    const pod = event.involvedObject?.name ?? '';
    const listed = reads.listed?.find((p) => p.name === pod);
    if (!isStartFailure(event, reads, listed) || !isOwnPod(pod)) continue;
    if (listed && !isAbout(event, listed)) continue;
    if (startedSince(event, listed, reads.starts ?? [])) continue;
    // Only an event known to be older than the resource is a previous one's; where either time
    // is unknown (an object written without one) it is taken, as kubernaut takes every event.
    if (when(event) < since) continue;
    if (!newest || when(event) > when(newest)) newest = event;
  }
  return newest;
}

/** A start failure's warning as a status message takes it: `pod <name>: <reason>: <message>`. */
export function describeStartFailure(event: MountEvent): string {
  const message = (event.message ?? '').trim();
  const cut =
    message.length > maxMessageLength ? `${message.slice(0, maxMessageLength - 1)}…` : message;
  return `pod ${event.involvedObject?.name}: ${event.reason}${cut ? `: ${cut}` : ''}`;
}

/** Why the pods `isOwnPod` accepts could not start, described: see `newestStartFailure`. */
export function mountFailure(
  isOwnPod: (pod: string) => boolean,
  createdAt: string | undefined,
  events: readonly MountEvent[],
  reads: StartFailureReads = {},
): string | undefined {
  const newest = newestStartFailure(isOwnPod, createdAt, events, reads);
  return newest && describeStartFailure(newest);
}

/**
 * The pods' warning events in the context's namespace, read live (events are not cached): of
 * the one pod `pod` when given, else of every pod.
 */
export async function readPodWarnings(context: StatusContext, pod?: string): Promise<MountEvent[]> {
  const fieldSelector = pod
    ? `${podWarningsSelector},involvedObject.name=${pod}`
    : podWarningsSelector;
  const { items } = await context.reader.list<KubeObject>(resources.events, context.namespace, {
    fieldSelector,
    signal: context.signal,
  });
  return items.map((event) => MountEventSchema.parse(event));
}

/**
 * `mountFailure` over the pods' warning events (`readPodWarnings`): of the one pod `pod` when
 * the resource is that pod, else of every pod, narrowed by `isOwnPod`. Shared by the engines
 * that run pods.
 */
export async function readMountFailure(
  context: StatusContext,
  createdAt: string | undefined,
  isOwnPod: (pod: string) => boolean,
  pod?: string,
  reads: StartFailureReads = {},
): Promise<string | undefined> {
  return mountFailure(isOwnPod, createdAt, await readPodWarnings(context, pod), reads);
}

/** `result` with the start failure added to its message, where the pods' own states are silent. */
export function withMountFailure(result: ExecutionResult, failure: string): ExecutionResult {
  return { ...result, message: `${result.message}; ${failure}` };
}
