import type { PodState, StepStatus } from './steps.js';
import { unscheduled } from './unstarted-deadline.js';

/**
 * What a Pod no step of which has started waits for: the scheduler (`Unschedulable: 0/3 nodes
 * are available: …`, for as long as no node fits and no deadline ends it), else the first step
 * that says why it waits (`ContainerCreating`, `ErrImagePull: …`). The kubelet reports either
 * once, and a run that reads only "waiting" hides why it may never start.
 */
export function pendingCause(pod: PodState, steps: readonly StepStatus[]): string {
  if (pod.status?.conditions?.some((c) => c.type === 'PodScheduled')) {
    const cause = unscheduled(pod);
    if (cause) return `waiting for a node: ${cause}`;
  }
  const step = steps.find((s) => s.reason && s.reason !== 'PodInitializing');
  if (step)
    return `step ${step.name} waiting: ${step.reason}${step.message ? `: ${step.message}` : ''}`;
  return pod.status?.reason ?? 'waiting for the pod to start';
}
