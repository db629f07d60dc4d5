import { describe, expect, it } from 'vitest';
import { TOKEN_USER } from './access.js';
import type { Job, JobStatus } from './jobs.js';
import { spawnSlices } from './slice-jobs.js';
import type { WorkflowJob } from './workflow-jobs.js';
import { workflowJob } from './workflow-jobs.test-support.js';
import { manageWorkflowJob, NO_ERROR_PATH } from './workflow-manager.js';

function slices(...statuses: JobStatus[]): { workflow: WorkflowJob; jobs: Job[] } {
  const spawned = spawnSlices(
    workflowJob({ slices: statuses.length }),
    statuses.map((_, i) => 11 + i),
    3_000,
  );
  return {
    workflow: spawned.workflowJob,
    jobs: spawned.jobs.map((job, i) => ({ ...job, status: statuses[i] as JobStatus })),
  };
}

describe('manageWorkflowJob', () => {
  it('leaves the workflow job running while any of its jobs is', () => {
    const { workflow, jobs } = slices('successful', 'running');
    expect(manageWorkflowJob(workflow, jobs, 5_000)).toEqual({
      workflowJob: workflow,
      changedJobs: [],
    });
  });

  it('ends it successful once every job succeeded', () => {
    const { workflow, jobs } = slices('successful', 'successful');
    expect(manageWorkflowJob(workflow, jobs, 5_000).workflowJob).toMatchObject({
      status: 'successful',
      finished: 5_000,
      jobExplanation: '',
    });
  });

  it.each<JobStatus>(['failed', 'error', 'canceled'])(
    'ends it failed once every job ended and one is %s, as no node has an error path',
    (status) => {
      const { workflow, jobs } = slices('successful', status);
      expect(manageWorkflowJob(workflow, jobs, 5_000).workflowJob).toMatchObject({
        status: 'failed',
        finished: 5_000,
        jobExplanation: NO_ERROR_PATH,
      });
    },
  );

  it('cancels, once flagged, the jobs not started at once and flags the running ones', () => {
    const { workflow, jobs } = slices('pending', 'running', 'successful');
    const flagged = { ...workflow, cancelFlag: true };
    const pass = manageWorkflowJob(flagged, jobs, 5_000);
    expect(pass.workflowJob).toBe(flagged);
    expect(pass.changedJobs).toMatchObject([
      { id: 11, status: 'canceled', finished: 5_000 },
      { id: 12, status: 'running', cancelFlag: true },
    ]);
  });

  it('marks a flagged workflow job canceled once none of its jobs can be canceled', () => {
    const { workflow, jobs } = slices('canceled', 'successful', 'pending');
    const pass = manageWorkflowJob({ ...workflow, cancelFlag: true }, jobs, 5_000);
    expect(pass.changedJobs).toMatchObject([{ id: 13, status: 'canceled' }]);
    expect(pass.workflowJob).toMatchObject({ status: 'canceled', finished: 5_000 });
  });

  it('does nothing to a workflow job that is not running', () => {
    const { jobs } = slices('successful', 'successful');
    const pending = workflowJob({ status: 'pending', started: null, launchedBy: TOKEN_USER });
    expect(manageWorkflowJob(pending, jobs, 5_000).workflowJob).toBe(pending);
  });
});
