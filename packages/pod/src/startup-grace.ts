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
 * was made.
 *
 * Both of the kubelet's times are its node's clock, which may run behind the API server's. The
 * kubelet cannot take a Pod before it was created, so a `startTime` before the creation (the
 * API server's clock) shows the node at least that far behind, and every node time is moved
 * forward by as much: a node an hour behind neither ends the first step's grace at its first
 * back-off nor a later step's, whose predecessor's end it also reports an hour early.
 */
function waitingSince(pod: PodState, steps: readonly StepStatus[], index: number): number {
  const sequenced = stepContainers(pod).init.length;
  const before = index < sequenced ? index - 1 : sequenced - 1;
  const created = Date.parse(pod.metadata?.creationTimestamp ?? '');
  const taken = Date.parse(pod.status?.startTime ?? '');
  const behind = Number.isNaN(created) || Number.isNaN(taken) ? 0 : Math.max(0, created - taken);
  const onNode = [before >= 0 ? steps[before]?.finishedAt : undefined, pod.status?.startTime]
    .map((time) => Date.parse(time ?? ''))
    .find((at) => !Number.isNaN(at));
  if (onNode === undefined) return created;
  return Number.isNaN(created) ? onNode : Math.max(onNode + behind, created);
}

/** The steps that wait with a cause retrying will not cure, and when each grace runs out. */
function hopelessSteps(pod: PodState, steps: readonly StepStatus[], graceMs: number) {
  return steps.flatMap((step, index) => {
    const cause = step.state === 'Waiting' ? hopelessWait(step.reason, step.message) : undefined;
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
