import type { FailureReason } from '@roundhouse/core';
import { hopelessWait } from '@roundhouse/job';
import { stepContainers } from './step-containers.js';
import type { PodState, StepStatus } from './steps.js';

/**
 * When step `index` began waiting to start, in ms since the epoch: when the step before it in
 * the sequence ended (an init step follows the init step before it, the main container the
 * last init step), else when the kubelet took the Pod (`status.startTime`: the first step, and
 * every step of a parallel Pod), and never before the Pod's creation. A step that waits for an
 * image 10 minutes into a sequence has waited since the step before it ended, not since the Pod
 * was made. Both of the kubelet's times are its node's clock, which may run behind the API
 * server's: the creation, on the API server's clock, keeps such a node from ending the grace at
 * a step's first back-off.
 */
function waitingSince(pod: PodState, steps: readonly StepStatus[], index: number): number {
  const sequenced = stepContainers(pod).init.length;
  const before = index < sequenced ? index - 1 : sequenced - 1;
  const onNode = [before >= 0 ? steps[before]?.finishedAt : undefined, pod.status?.startTime]
    .map((time) => Date.parse(time ?? ''))
    .find((at) => !Number.isNaN(at));
  const created = Date.parse(pod.metadata?.creationTimestamp ?? '');
  if (onNode === undefined) return created;
  return Number.isNaN(created) ? onNode : Math.max(onNode, created);
}

/** The steps that wait with a cause retrying will not cure, and when each grace runs out. */
function hopelessSteps(pod: PodState, steps: readonly StepStatus[], graceMs: number) {
  return steps.flatMap((step, index) => {
    const cause = step.state === 'Waiting' ? hopelessWait(step.reason) : undefined;
    if (!cause) return [];
    return [{ step, cause, graceEndsAt: waitingSince(pod, steps, index) + graceMs }];
  });
}

/**
 * The first step, in step order, that cannot start: it waits with a cause retrying will not
 * cure (an image that cannot be pulled, a missing Secret), and has waited the whole grace.
 */
export function stuckStep(
  pod: PodState,
  steps: readonly StepStatus[],
  now: Date,
  graceMs: number,
): { readonly step: StepStatus; readonly cause: FailureReason } | undefined {
  return hopelessSteps(pod, steps, graceMs).find((s) => now.getTime() >= s.graceEndsAt);
}

/**
 * When the grace of a step that waits with such a cause runs out, the earliest of them, while
 * none has: the kubelet reports the wait once and then retries in silence, so a controller
 * looks at the execution again then, when no Pod event would bring it back.
 */
export function startupGraceEndsAt(
  pod: PodState,
  steps: readonly StepStatus[],
  now: Date,
  graceMs: number,
): string | undefined {
  const ends = hopelessSteps(pod, steps, graceMs)
    .map((s) => s.graceEndsAt)
    .filter((at) => at > now.getTime());
  return ends.length ? new Date(Math.min(...ends)).toISOString() : undefined;
}
