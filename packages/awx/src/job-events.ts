import type { Job } from './schemas.js';
import { isJobActive } from './status.js';

/**
 * AWX's own bound on the lag of its event processing: a minute after a job finished, events
 * not saved yet are taken as lost (UnifiedJobDeletionMixin.destroy in awx/api/views/mixin.py).
 */
export const eventsLagBoundMs = 60_000;

type EventsView = Pick<Job, 'status' | 'finished' | 'event_processing_finished'>;

/**
 * Whether AWX may still be saving the events of a job that ended, so its stdout, built only
 * from saved events, may lack its last lines. A view without `event_processing_finished` (a
 * row of `jobs/`, or an AWX that does not say) or without a readable `finished` is taken as
 * settled: nothing would bound the wait. The bound is measured on this host's clock against
 * AWX's `finished`, so clock skew between the two lengthens or shortens it.
 */
export function eventsPending(job: EventsView, nowMs: number): boolean {
  if (isJobActive(job.status) || job.event_processing_finished !== false) return false;
  const finished = Date.parse(job.finished ?? '');
  if (Number.isNaN(finished)) return false;
  return nowMs - finished < eventsLagBoundMs;
}
