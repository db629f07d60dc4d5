import type { ExecutionResult } from '@roundhouse/core';
import { type KubeObject, resources, type StatusContext } from '@roundhouse/kube';
import { z } from 'zod';

/**
 * A Job's verdict after the Job is gone. `ttlSecondsAfterFinished` deletes a finished Job and
 * its pods; a controller that was down longer than that finds nothing to read, and would fail
 * an execution that succeeded as "deleted while running". The Job controller records the
 * verdict as an Event on the Job too (`Completed`, or a Warning with the Failed condition's
 * reason and message), and Events outlive the Job (the API server's `--event-ttl`, 1 h by
 * default).
 */

export const JobEventSchema = z.looseObject({
  involvedObject: z.looseObject({ uid: z.string().optional() }).optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  type: z.string().optional(),
  source: z.looseObject({ component: z.string().optional() }).nullish(),
  reportingComponent: z.string().nullish(),
  firstTimestamp: z.string().nullish(),
  lastTimestamp: z.string().nullish(),
  eventTime: z.string().nullish(),
});

export type JobEvent = z.infer<typeof JobEventSchema>;

const jobController = 'job-controller';

/** The reasons of a Job's Failed condition (batch/v1 `JobReason*`), which its event repeats. */
const failureReasons = new Set([
  'BackoffLimitExceeded',
  'DeadlineExceeded',
  'PodFailurePolicy',
  'MaxFailedIndexesExceeded',
  'FailedIndexes',
]);

/**
 * Event times are whole seconds. An execution's start is its Job's `creationTimestamp`, so its
 * Job's first event is never before the start's second; a start an older controller wrote was
 * taken after the create returned, on its own clock, and the Job's first event may carry a
 * second or two before it.
 */
const startSlackMs = 2_000;

function firstSeen(event: JobEvent): number {
  return Date.parse(event.firstTimestamp ?? event.eventTime ?? event.lastTimestamp ?? '');
}

function isVerdict(event: JobEvent): boolean {
  const byJobController =
    event.source?.component === jobController || event.reportingComponent === jobController;
  if (!byJobController) return false;
  if (event.type === 'Normal') return event.reason === 'Completed';
  return event.type === 'Warning' && failureReasons.has(event.reason ?? '');
}

/**
 * The verdict the events of the Jobs named for the lock record for the execution started at
 * `startedAt`, or undefined when they record none (the Job was deleted before it finished, or
 * its events expired). The name is reused target after target, so the events are grouped by
 * Job uid: the execution's Job is the first to appear from its start on. Every earlier one's
 * events predate its deletion, which came before this execution could create its Job; a later
 * one is another execution's, created after this one's Job was gone.
 */
export function vanishedJobResult(
  events: readonly JobEvent[],
  startedAt: string | undefined,
): ExecutionResult | undefined {
  const since = Date.parse(startedAt ?? '') - startSlackMs;
  if (Number.isNaN(since)) return undefined;
  const byJob = new Map<string, JobEvent[]>();
  for (const event of events) {
    const uid = event.involvedObject?.uid;
    if (uid) byJob.set(uid, [...(byJob.get(uid) ?? []), event]);
  }
  // A Job first seen before the start's second is taken only when none is seen from it on: a
  // previous execution's Job deleted within the slack would otherwise pass for this one's.
  const startSecond = Math.floor(Date.parse(startedAt ?? '') / 1000) * 1000;
  let own: { first: number; early: boolean; events: JobEvent[] } | undefined;
  for (const jobEvents of byJob.values()) {
    const first = Math.min(...jobEvents.map(firstSeen));
    if (!(first >= since)) continue;
    const early = first < startSecond;
    const better = !own || (own.early && !early) || (own.early === early && first < own.first);
    if (better) own = { first, early, events: jobEvents };
  }
  const verdict = own?.events.find(isVerdict);
  if (!verdict) return undefined;
  const gone = 'the Job is gone; its verdict is from its Events';
  if (verdict.reason === 'Completed') {
    return {
      phase: 'Completed',
      reason: 'Complete',
      message: `${verdict.message || 'Job completed'} (${gone})`,
      summary: { status: 'True', reason: 'Succeeded', completedTasks: 1, totalTasks: 1 },
    };
  }
  const reason = verdict.reason as string;
  const message = `${verdict.message || `Job failed (${reason})`} (${gone})`;
  return {
    phase: 'Failed',
    reason,
    message,
    // A failure's summary carries its message, as `jobResult`'s does and kubernaut records it.
    summary: { status: 'False', reason: 'Failed', message, completedTasks: 0, totalTasks: 1 },
    failureReason: reason === 'DeadlineExceeded' ? 'DeadlineExceeded' : 'TaskFailed',
  };
}

/** `vanishedJobResult` over the events of the Jobs named `name`, read live (events are not cached). */
export async function readVanishedJob(
  name: string,
  startedAt: string | undefined,
  context: StatusContext,
): Promise<ExecutionResult | undefined> {
  if (startedAt === undefined) return undefined;
  const { items } = await context.reader.list<KubeObject>(resources.events, context.namespace, {
    fieldSelector: `involvedObject.kind=Job,involvedObject.name=${name}`,
    signal: context.signal,
  });
  return vanishedJobResult(
    items.map((event) => JobEventSchema.parse(event)),
    startedAt,
  );
}
