import { jobScheduleSchema } from './jobs.js';
import type { WorkflowJob } from './workflow-jobs.js';

const schedule = jobScheduleSchema.parse({});

/** A running workflow job of two slices, launched by another user, not spawned yet. */
export function workflowJob(overrides: Partial<WorkflowJob> = {}): WorkflowJob {
  return {
    id: 10,
    name: 'sliced',
    jobTemplate: 3,
    organization: 1,
    slices: 2,
    status: 'running',
    cancelFlag: false,
    schedule,
    created: 1_000,
    modified: 1_000,
    started: 2_000,
    finished: null,
    jobExplanation: '',
    extraVars: '{"marker": "m"}',
    surveyPasswords: [],
    credentials: [7],
    timeout: 30,
    allowSimultaneous: false,
    launchedBy: { id: 2, username: 'kubernaut' },
    passwordsMissing: false,
    nodes: [
      { id: 1, identifier: 'a' },
      { id: 2, identifier: 'b' },
    ],
    jobs: [],
    ...overrides,
  };
}
