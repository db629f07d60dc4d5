import type { ExecutionResult } from '@roundhouse/core';
import { type KubeObject, resources, type StatusContext } from '@roundhouse/kube';
import { z } from 'zod';

/**
 * The kubelet's events for a volume it could not mount (a Secret or ConfigMap that is gone):
 * the pod waits in ContainerCreating and says why only there, so a Job that fails at its
 * deadline without ever running would otherwise give no cause.
 */
const mountFailureSelector = 'involvedObject.kind=Pod,reason=FailedMount';

export const MountEventSchema = z.looseObject({
  involvedObject: z.looseObject({ name: z.string().optional() }).optional(),
  message: z.string().optional(),
  lastTimestamp: z.string().nullish(),
  eventTime: z.string().nullish(),
  firstTimestamp: z.string().nullish(),
});

export type MountEvent = z.infer<typeof MountEventSchema>;

/** An event message is the kubelet's, of any length; a status condition needs it short. */
const maxMessageLength = 300;

/** A Job's pods are named `<job>-<5 characters>`. */
const podSuffixLength = 6;

function when(event: MountEvent): number {
  return Date.parse(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? '');
}

/** Whether `pod` names one of the pods of the Job `jobName`. */
export function isJobPodName(jobName: string, pod: string): boolean {
  return pod.startsWith(`${jobName}-`) && pod.length === jobName.length + podSuffixLength;
}

/**
 * Why the pods an execution resource created at `createdAt` runs could not mount their
 * volumes: the newest FailedMount event of a pod `isOwnPod` accepts, as `pod <name>:
 * FailedMount: <message>`. Events older than the resource are a previous one's of the same
 * name (the lock's name is reused target after target), so they do not count.
 */
export function mountFailure(
  isOwnPod: (pod: string) => boolean,
  createdAt: string | undefined,
  events: readonly MountEvent[],
): string | undefined {
  const since = Date.parse(createdAt ?? '');
  let newest: MountEvent | undefined;
  for (const event of events) {
    if (!isOwnPod(event.involvedObject?.name ?? '')) continue;
    if (!(when(event) >= since)) continue;
    if (!newest || when(event) > when(newest)) newest = event;
  }
  if (!newest) return undefined;
  const message = (newest.message ?? '').trim();
  const cut =
    message.length > maxMessageLength ? `${message.slice(0, maxMessageLength - 1)}…` : message;
  return `pod ${newest.involvedObject?.name}: FailedMount${cut ? `: ${cut}` : ''}`;
}

/**
 * `mountFailure` over the FailedMount events in the context's namespace, read live (events are
 * not cached): of the one pod `pod` when the resource is that pod, else of every pod, narrowed
 * by `isOwnPod`. Shared by the engines that run pods.
 */
export async function readMountFailure(
  context: StatusContext,
  createdAt: string | undefined,
  isOwnPod: (pod: string) => boolean,
  pod?: string,
): Promise<string | undefined> {
  const fieldSelector = pod
    ? `${mountFailureSelector},involvedObject.name=${pod}`
    : mountFailureSelector;
  const { items } = await context.reader.list<KubeObject>(resources.events, context.namespace, {
    fieldSelector,
    signal: context.signal,
  });
  return mountFailure(
    isOwnPod,
    createdAt,
    items.map((event) => MountEventSchema.parse(event)),
  );
}

/** `result` with the mount failure added to its message, where the pods' own states are silent. */
export function withMountFailure(result: ExecutionResult, failure: string): ExecutionResult {
  return { ...result, message: `${result.message}; ${failure}` };
}
