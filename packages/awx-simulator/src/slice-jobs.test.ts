import { describe, expect, it } from 'vitest';
import { CANNOT_START, spawnSlices } from './slice-jobs.js';
import { workflowJob } from './workflow-jobs.test-support.js';

describe('spawnSlices', () => {
  it('makes one pending job per node, numbered from 1, launched as the workflow job was', () => {
    const { workflowJob: spawned, jobs } = spawnSlices(workflowJob(), [11, 12], 3_000);
    expect(spawned.jobs).toEqual([11, 12]);
    expect(jobs).toMatchObject([
      { id: 11, sliceNumber: 1, sliceCount: 2 },
      { id: 12, sliceNumber: 2, sliceCount: 2 },
    ]);
    for (const job of jobs) {
      expect(job).toMatchObject({
        status: 'pending',
        launchType: 'workflow',
        sourceWorkflowJob: 10,
        jobTemplate: 3,
        extraVars: '{"marker": "m"}',
        credentials: [7],
        timeout: 30,
        launchedBy: { id: 2, username: 'kubernaut' },
        created: 3_000,
      });
    }
  });

  it('fails every job at once, as signal_start refuses them, when the launch left a password empty', () => {
    const { jobs } = spawnSlices(workflowJob({ passwordsMissing: true }), [11, 12], 3_000);
    for (const job of jobs) {
      expect(job).toMatchObject({
        status: 'failed',
        finished: 3_000,
        started: null,
        jobExplanation: CANNOT_START,
      });
    }
  });
});
