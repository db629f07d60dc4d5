import { describe, expect, it } from 'vitest';
import { advance, type Job, nextTransitionDelay, requestCancel } from './jobs.js';

/*
 * UnifiedJob.cancel (awx/main/models/unified_jobs.py:1483-1518) as a pure transition: a job
 * without a celery_task_id ends at once; one the task manager gave to the dispatcher (waiting,
 * running) is flagged and ends as RunJob.run sees the flag (awx/main/tasks/jobs.py:473-477).
 */
const schedule = { pendingMs: 5, waitingMs: 60_000, runningMs: 60_000, cancelMs: 7 };
const base = {
  id: 3,
  status: 'waiting',
  started: null,
  finished: null,
  jobExplanation: '',
  cancelFlag: false,
  canceledOn: null,
  jobEnv: {},
  schedule,
} as unknown as Job;

describe('canceling a job the dispatcher holds', () => {
  it('flags a waiting job, which ends canceled without ever running', () => {
    const flagged = requestCancel(base, 1_000) as Job;
    expect(flagged).toMatchObject({ status: 'waiting', cancelFlag: true, canceledOn: 1_000 });
    expect(flagged.finished).toBeNull();
    expect(nextTransitionDelay(flagged)).toBe(schedule.cancelMs);
    expect(requestCancel(flagged, 2_000)).toBe(flagged);
    const injection = { ok: true, env: { SECRET: '$encrypted$' } } as never;
    expect(advance(flagged, 3_000, { injection })).toMatchObject({
      status: 'canceled',
      started: null,
      finished: 3_000,
      canceledOn: 1_000,
      jobEnv: {},
    });
  });

  it('flags a running job, and cancels a pending one at once', () => {
    const running = { ...base, status: 'running', started: 500 } as Job;
    expect(requestCancel(running, 1_000)).toMatchObject({ status: 'running', canceledOn: 1_000 });
    const pending = { ...base, status: 'pending' } as Job;
    expect(requestCancel(pending, 1_000)).toMatchObject({
      status: 'canceled',
      cancelFlag: true,
      canceledOn: 1_000,
      finished: 1_000,
    });
    expect(requestCancel({ ...base, status: 'failed' } as Job, 1_000)).toBeUndefined();
  });
});
