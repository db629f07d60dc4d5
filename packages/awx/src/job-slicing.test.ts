import { describe, expect, it } from 'vitest';
import { launchSliceCount, slicingIssues } from './job-slicing.js';

const template = {
  id: 3,
  name: 'restart',
  job_slice_count: 1,
  ask_job_slice_count_on_launch: false,
};

describe('job slicing', () => {
  it('refuses a template that slices without prompting, naming it and the field', () => {
    expect(slicingIssues({ ...template, job_slice_count: 3 })).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.jobTemplateName',
        message:
          'AWX job template "restart" (id 3) slices its jobs (job_slice_count 3): AWX would ' +
          'launch a workflow of sliced jobs, not the one job an execution runs; set its Job ' +
          'Slicing (job_slice_count) to 1, or enable "Prompt on launch" for Job Slicing ' +
          '(ask_job_slice_count_on_launch) so the engine can launch it with 1',
      },
    ]);
  });

  it('takes a template that does not slice, or prompts for it, launching the latter with 1', () => {
    expect(slicingIssues(template)).toEqual([]);
    expect(launchSliceCount(template)).toBeUndefined();
    const prompting = { ...template, job_slice_count: 3, ask_job_slice_count_on_launch: true };
    expect(slicingIssues(prompting)).toEqual([]);
    expect(launchSliceCount(prompting)).toBe(1);
  });
});
