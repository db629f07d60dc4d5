import type { FailureReason } from '@roundhouse/core';
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

export interface StuckStart {
  readonly reason: FailureReason;
  readonly description: string;
}

/**
 * Why a running Job's workload cannot start, if it cannot: the Job controller could not create
 * its pod (a FailedCreate event: quota, a refused pod template), or the pod's container waits
 * for something that will not come. Undefined while starting is merely slow.
 */
export function explainStuckStart(
  pods: readonly PodState[],
  events: readonly EventState[],
): StuckStart | undefined {
  for (const pod of pods) {
    const container = pod.status?.containerStatuses?.find((c) => c.name === workflowContainerName);
    const waiting = container?.state?.waiting;
    const reason = hopelessWait(waiting?.reason);
    if (reason && waiting?.reason) {
      return {
        reason,
        description: `container ${workflowContainerName} in pod ${pod.metadata?.name ?? '?'} cannot start: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`,
      };
    }
  }
  if (pods.length > 0) return undefined;
  const failedCreate = events.find((e) => e.reason === 'FailedCreate' && e.type === 'Warning');
  if (!failedCreate) return undefined;
  return {
    reason: 'ConfigurationError',
    description: `the Job could not create its pod: ${failedCreate.message ?? 'FailedCreate'}`,
  };
}
