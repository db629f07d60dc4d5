import { ExecutionResultSchema } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { failureTexts } from './failure-texts.js';
import { outputScrub } from './output-scrub.js';
import type { JobStatus } from './schemas.js';
import { awxJobResult, isJobActive, isJobFailed } from './status.js';

const job = (status: JobStatus, job_explanation = '') => ({ id: 42, status, job_explanation });
/** A job as AWX's view gives it, with its `timeout` and how long it ran (`elapsed`). */
const timed = (status: JobStatus, job_explanation: string, elapsed: number) => ({
  ...job(status, job_explanation),
  timeout: 60,
  elapsed,
});

describe('awxJobResult', () => {
  it.each([
    ['new', 'Pending', 'AWXJobPending', 'Unknown'],
    ['pending', 'Pending', 'AWXJobPending', 'Unknown'],
    ['waiting', 'Pending', 'AWXJobPending', 'Unknown'],
    ['running', 'Running', 'AWXJobRunning', 'Unknown'],
    ['successful', 'Completed', 'AWXJobSuccessful', 'True'],
    ['failed', 'Failed', 'AWXJobFailed', 'False'],
    ['error', 'Failed', 'AWXJobError', 'False'],
    ['canceled', 'Failed', 'AWXJobCanceled', 'False'],
  ] as const)('%s -> %s (%s)', (status, phase, reason, summary) => {
    const result = awxJobResult(job(status));
    expect(ExecutionResultSchema.parse(result)).toEqual(result);
    expect(result).toMatchObject({ phase, reason, summary: { status: summary, reason } });
    expect(result.message).toContain('AWX job 42');
  });

  it('explains a failure with the texts failureTexts made of it', () => {
    const failed = job(
      'failed',
      'Job cannot start because Credential x does not provide password.',
    );
    const read = 'TASK [restart] ***\nfatal: [web-1]: FAILED!\n';
    const texts = failureTexts(failed, outputScrub([], false), { bytes: 4096, read });
    const result = awxJobResult(failed, texts);
    expect(result.message).toBe(
      'AWX job execution failed (AWX job 42); Job cannot start because Credential x does not ' +
        'provide password.; last output of AWX job 42:\nTASK [restart] ***\nfatal: [web-1]: FAILED!',
    );
    expect(result.failureReason).toBe('TaskFailed');
    expect(awxJobResult(failed).message).toBe('AWX job execution failed (AWX job 42)');
  });

  it('refuses texts failureTexts did not make, which may not be scrubbed', () => {
    const failed = job('failed', 'from the runner');
    // The signature before texts were scrubbed took the output tail as a string.
    const tail = 'TASK [a]\nfatal: hunter2' as never;
    for (const status of ['failed', 'successful'] as const) {
      expect(() => awxJobResult(job(status), tail)).toThrow(
        new TypeError(
          "awxJobResult shows only the texts failureTexts makes (AWX's explanation and the " +
            'output tail, scrubbed of what the job was given), not string',
        ),
      );
    }
    const unscrubbed = { details: ['hunter2'], explanation: 'hunter2' } as never;
    expect(() => awxJobResult(failed, unscrubbed)).toThrow(/, not an object it did not make$/);
    // A copy of texts it made, with details of the caller's, compiles and is refused too.
    const made = failureTexts(failed, outputScrub([], false));
    const copy = { ...made, details: ['hunter2'] };
    expect(() => awxJobResult(failed, copy)).toThrow(/, not an object it did not make$/);
    expect(Object.isFrozen(made) && Object.isFrozen(made.details)).toBe(true);
    expect(() => awxJobResult(failed, null as never)).toThrow(/, not null$/);
  });

  it.each(['failed', 'error', 'canceled'] as const)(
    'classifies a %s job itself, so no controller has to',
    (status) => {
      expect(awxJobResult(job(status)).failureReason).toBe('TaskFailed');
    },
  );

  it("classifies a failed job AWX's runner stopped at its timeout as DeadlineExceeded", () => {
    const stopped = job('failed', 'Job terminated due to timeout');
    expect(awxJobResult(stopped)).toMatchObject({
      phase: 'Failed',
      reason: 'AWXJobFailed',
      failureReason: 'DeadlineExceeded',
    });
    const early = timed('failed', 'Job terminated due to timeout', 12.5);
    expect(awxJobResult(early).failureReason).toBe('DeadlineExceeded');
    const appended = job('failed', 'Job terminated due to timeout\nanother explanation');
    expect(awxJobResult(appended).failureReason).toBe('DeadlineExceeded');
    expect(awxJobResult({ ...stopped, status: 'canceled' }).failureReason).toBe('TaskFailed');
  });

  it('takes another explanation as a task failure, however long the job ran', () => {
    const shutdown = timed('failed', 'Task was canceled due to receiving a shutdown signal.', 75);
    expect(awxJobResult(shutdown).failureReason).toBe('TaskFailed');
  });

  it('takes a failure AWX did not explain as a task failure, however long the job ran against its timeout', () => {
    // RunJob.run writes the explanation whenever the runner stops a job at its timeout
    // (awx/main/tasks/jobs.py:616-618), so a failure without one is the playbook's, even when
    // `elapsed`, counted from before the project sync, passed `timeout`.
    for (const elapsed of [60.2, 75]) {
      expect(awxJobResult(timed('failed', '', elapsed)).failureReason).toBe('TaskFailed');
    }
    expect(awxJobResult(timed('canceled', '', 61)).failureReason).toBe('TaskFailed');
  });

  it('reports a status it does not know as not finished, with the raw status', () => {
    const result = awxJobResult(job('suspended'));
    expect(ExecutionResultSchema.parse(result)).toEqual(result);
    expect(result).toMatchObject({
      phase: 'Pending',
      reason: 'AWXJobUnknown',
      message: 'Unknown AWX job status: suspended (AWX job 42)',
      summary: { status: 'Unknown', reason: 'AWXJobUnknown' },
    });
    expect(result).not.toHaveProperty('failureReason');
    expect(isJobActive('suspended')).toBe(true);
    expect(isJobFailed('suspended')).toBe(false);
    expect(awxJobResult(job('constructor')).reason).toBe('AWXJobUnknown');
  });

  it.each(['new', 'pending', 'waiting', 'running', 'successful'] as const)(
    'gives a %s job no failure reason',
    (status) => {
      expect(awxJobResult(job(status))).not.toHaveProperty('failureReason');
    },
  );

  it('leaves output out of a result that did not fail', () => {
    const read = 'PLAY RECAP ok=1';
    const texts = failureTexts(job('successful'), outputScrub([], false), { bytes: 4096, read });
    expect(awxJobResult(job('successful'), texts).message).toBe(
      'AWX job completed successfully (AWX job 42)',
    );
  });

  it('tells live jobs from failed ones', () => {
    expect(['new', 'pending', 'waiting', 'running'].every((s) => isJobActive(s as JobStatus))).toBe(
      true,
    );
    expect(isJobActive('successful')).toBe(false);
    expect(['failed', 'error', 'canceled'].every((s) => isJobFailed(s as JobStatus))).toBe(true);
    expect(isJobFailed('running')).toBe(false);
  });
});

describe('start and completion', () => {
  const started = '2026-12-03T10:00:00.123456Z';
  const finished = '2026-12-03T10:02:30.654321Z';

  it.each(['successful', 'failed', 'error', 'canceled'] as const)(
    "carries a %s job's finished time as completionTime and started",
    (status) => {
      const result = awxJobResult({ ...job(status), started, finished });
      expect(result).toMatchObject({ completionTime: finished, started: true });
      expect(ExecutionResultSchema.parse(result)).toEqual(result);
    },
  );

  it('says a job canceled before it started never started', () => {
    const result = awxJobResult({ ...job('canceled'), started: null, finished });
    expect(result).toMatchObject({ phase: 'Failed', started: false, completionTime: finished });
  });

  it('carries no completion time while the job may run, nor one that is no time', () => {
    const running = awxJobResult({ ...job('running'), started, finished: null });
    expect(running).toMatchObject({ started: true });
    expect(running).not.toHaveProperty('completionTime');
    expect(awxJobResult({ ...job('pending'), started: null })).toMatchObject({ started: false });
    expect(awxJobResult({ ...job('failed'), finished: 'soon' })).not.toHaveProperty(
      'completionTime',
    );
  });

  it('says nothing of a start a view without the field does not show', () => {
    expect(awxJobResult(job('failed'))).not.toHaveProperty('started');
  });
});
