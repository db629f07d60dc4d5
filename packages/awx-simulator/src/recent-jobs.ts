/**
 * A job template's `summary_fields.recent_jobs` (JobTemplateMixin._recent_jobs,
 * awx/api/serializers.py): its ten newest unified jobs by `created`, jobs and sliced launches'
 * workflow jobs alike, leaving out the slices those spawned (job_slice_count above 1), each with
 * the type the API names it by at the top level.
 */
import type { Job } from './jobs.js';
import { formatTimestamp } from './timestamps.js';
import type { WorkflowJob } from './workflow-jobs.js';

const RECENT = 10;

export interface RecentJob {
  readonly id: number;
  readonly status: string;
  readonly finished: string | null;
  readonly canceled_on: string | null;
  readonly type: 'job' | 'workflow_job';
}

export function recentJobs(
  jobTemplate: number,
  jobs: Iterable<Job>,
  workflowJobs: Iterable<WorkflowJob>,
): RecentJob[] {
  const ofTemplate = [
    ...[...jobs]
      .filter((job) => job.jobTemplate === jobTemplate && job.sliceCount <= 1)
      .map((job) => ({ job, type: 'job' as const, canceledOn: job.canceledOn })),
    ...[...workflowJobs]
      .filter((job) => job.jobTemplate === jobTemplate)
      // The simulator keeps no cancel time of a workflow job: its end stands in for it.
      .map((job) => ({
        job,
        type: 'workflow_job' as const,
        canceledOn: job.status === 'canceled' ? job.finished : null,
      })),
  ];
  // Jobs and workflow jobs share one id sequence, which breaks a tie in `created`.
  ofTemplate.sort((a, b) => b.job.created - a.job.created || b.job.id - a.job.id);
  return ofTemplate.slice(0, RECENT).map(({ job, type, canceledOn }) => ({
    id: job.id,
    status: job.status,
    finished: formatTimestamp(job.finished),
    canceled_on: formatTimestamp(canceledOn),
    type,
  }));
}
