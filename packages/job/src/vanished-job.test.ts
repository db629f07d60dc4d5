import { describe, expect, it } from 'vitest';
import { type JobEvent, vanishedJobResult } from './vanished-job.js';

const byJobController = { source: { component: 'job-controller' } };

function event(uid: string, at: string, reason: string, extra: Partial<JobEvent> = {}): JobEvent {
  return {
    involvedObject: { uid },
    reason,
    type: reason === 'Completed' || reason === 'SuccessfulCreate' ? 'Normal' : 'Warning',
    message: reason === 'Completed' ? 'Job completed' : `${reason} happened`,
    firstTimestamp: at,
    lastTimestamp: at,
    ...byJobController,
    ...extra,
  };
}

const started = '2026-12-02T10:00:00Z';

describe('vanishedJobResult', () => {
  it("reads a Completed event of the execution's Job as Completed", () => {
    const result = vanishedJobResult(
      [
        event('own', '2026-12-02T10:00:00Z', 'SuccessfulCreate'),
        event('own', '2026-12-02T10:00:04Z', 'Completed'),
      ],
      started,
    );
    expect(result).toEqual({
      phase: 'Completed',
      reason: 'Complete',
      message: 'Job completed (the Job is gone; its verdict is from its Events)',
      summary: { status: 'True', reason: 'Succeeded', completedTasks: 1, totalTasks: 1 },
    });
  });

  it("reads the Failed condition's event as the failure, DeadlineExceeded kept", () => {
    const deadline = vanishedJobResult(
      [
        event('own', '2026-12-02T10:00:01Z', 'SuccessfulCreate'),
        event('own', '2026-12-02T10:01:00Z', 'DeadlineExceeded', {
          message: 'Job was active longer than specified deadline',
        }),
      ],
      started,
    );
    expect(deadline).toMatchObject({
      phase: 'Failed',
      reason: 'DeadlineExceeded',
      failureReason: 'DeadlineExceeded',
      message: expect.stringMatching(/^Job was active longer than specified deadline \(the Job/),
      summary: { status: 'False' },
    });
    // The summary kubernaut records on a failure carries the failure's message.
    expect(deadline?.summary.message).toBe(deadline?.message);
    expect(
      vanishedJobResult([event('own', '2026-12-02T10:00:09Z', 'BackoffLimitExceeded')], started),
    ).toMatchObject({
      phase: 'Failed',
      reason: 'BackoffLimitExceeded',
      failureReason: 'TaskFailed',
    });
  });

  it('accepts a first event up to two seconds before the start (whole-second times)', () => {
    expect(
      vanishedJobResult([event('own', '2026-12-02T09:59:58Z', 'Completed')], started)?.phase,
    ).toBe('Completed');
    expect(vanishedJobResult([event('old', '2026-12-02T09:59:57Z', 'Completed')], started)).toBe(
      undefined,
    );
  });

  it("prefers the Job first seen from the start's second on to a previous one deleted within the two seconds before it", () => {
    const result = vanishedJobResult(
      [
        event('previous', '2026-12-02T09:59:58Z', 'SuccessfulCreate'),
        event('previous', '2026-12-02T09:59:59Z', 'BackoffLimitExceeded'),
        event('own', '2026-12-02T10:00:00Z', 'SuccessfulCreate'),
        event('own', '2026-12-02T10:00:03Z', 'Completed'),
      ],
      started,
    );
    expect(result?.phase).toBe('Completed');
  });

  it("ignores the previous execution's Job of the same name, and a later one", () => {
    const result = vanishedJobResult(
      [
        event('previous', '2026-12-02T09:50:00Z', 'SuccessfulCreate'),
        event('previous', '2026-12-02T10:00:05Z', 'BackoffLimitExceeded'),
        event('later', '2026-12-02T10:20:00Z', 'SuccessfulCreate'),
        event('later', '2026-12-02T10:20:04Z', 'BackoffLimitExceeded'),
        event('own', '2026-12-02T10:00:01Z', 'SuccessfulCreate'),
        event('own', '2026-12-02T10:05:00Z', 'Completed'),
      ],
      started,
    );
    expect(result?.phase).toBe('Completed');
  });

  it("does not take a later execution's verdict when its own Job recorded none", () => {
    expect(
      vanishedJobResult(
        [
          event('own', '2026-12-02T10:00:01Z', 'SuccessfulCreate'),
          event('later', '2026-12-02T10:20:00Z', 'SuccessfulCreate'),
          event('later', '2026-12-02T10:20:04Z', 'Completed'),
        ],
        started,
      ),
    ).toBe(undefined);
  });

  it('is undefined for a Job deleted before it finished, events of others, or no start', () => {
    expect(
      vanishedJobResult([event('own', '2026-12-02T10:00:01Z', 'SuccessfulCreate')], started),
    ).toBe(undefined);
    expect(
      vanishedJobResult(
        [event('own', '2026-12-02T10:00:01Z', 'Completed', { source: { component: 'someone' } })],
        started,
      ),
    ).toBe(undefined);
    expect(vanishedJobResult([event('own', '2026-12-02T10:00:01Z', 'FailedCreate')], started)).toBe(
      undefined,
    );
    expect(vanishedJobResult([event('own', '2026-12-02T10:00:01Z', 'Completed')], undefined)).toBe(
      undefined,
    );
  });

  it('takes the reporting component of an events.k8s.io event', () => {
    expect(
      vanishedJobResult(
        [
          event('own', '2026-12-02T10:00:01Z', 'Completed', {
            source: null,
            reportingComponent: 'job-controller',
          }),
        ],
        started,
      )?.phase,
    ).toBe('Completed');
  });
});
