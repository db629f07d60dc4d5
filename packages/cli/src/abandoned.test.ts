import { describe, expect, it } from 'vitest';
import { AbandonedExecutionError, deadlineOf, isAbandoned } from './abandoned.js';
import { formatError } from './errors.js';
import type { Execution } from './views.js';

const start = '2026-12-05T10:00:00Z';
const startMs = Date.parse(start);

function execution(
  spec: Record<string, unknown>,
  status: Record<string, unknown> = { phase: 'Running', startTime: start },
  name = 'nightly',
): Execution {
  return { metadata: { namespace: 'ops', name }, spec, status } as unknown as Execution;
}

describe('deadlineOf', () => {
  it('is the start plus the timeout, or spec.timesOutAt when that comes first', () => {
    expect(deadlineOf(execution({ executionConfig: { timeout: '30m' } }))).toBe(
      startMs + 30 * 60_000,
    );
    expect(
      deadlineOf(
        execution({ executionConfig: { timeout: '30m' }, timesOutAt: '2026-12-05T10:10:00Z' }),
      ),
    ).toBe(startMs + 10 * 60_000);
    expect(
      deadlineOf(
        execution({ executionConfig: { timeout: '5m' }, timesOutAt: '2026-12-05T10:10:00Z' }),
      ),
    ).toBe(startMs + 5 * 60_000);
  });

  it('is unknown before the start, without a deadline in the spec, or with one it cannot read', () => {
    expect(
      deadlineOf(execution({ executionConfig: { timeout: '1m' } }, { phase: 'Pending' })),
    ).toBe(undefined);
    // The controller's default timeout is its own flag.
    expect(deadlineOf(execution({}))).toBeUndefined();
    expect(deadlineOf(execution({ executionConfig: { timeout: 'soon' } }))).toBeUndefined();
    expect(deadlineOf(execution({ executionConfig: { timeout: 90 } }))).toBeUndefined();
    expect(deadlineOf(execution({ timesOutAt: { at: 'noon' } }))).toBeUndefined();
    expect(
      deadlineOf(execution({ timesOutAt: '2026-12-05T10:01:00Z' }, { startTime: 'yesterday' })),
    ).toBeUndefined();
  });
});

describe('isAbandoned', () => {
  it('holds once the limit has passed since the deadline, not before', () => {
    const wfe = execution({ executionConfig: { timeout: '1m' } });
    const deadline = startMs + 60_000;
    expect(isAbandoned(wfe, deadline + 299_999, 300_000)).toBe(false);
    expect(isAbandoned(wfe, deadline + 300_000, 300_000)).toBe(true);
    expect(isAbandoned(execution({}), deadline + 3_600_000, 300_000)).toBe(false);
  });
});

describe('AbandonedExecutionError', () => {
  it('names each execution with its deadline, and the controller to check', () => {
    const error = new AbandonedExecutionError(
      [
        execution({ executionConfig: { timeout: '1m' } }),
        execution({ timesOutAt: '2026-12-05T10:02:00Z' }, undefined, 'weekly'),
      ],
      5 * 60_000,
    );
    expect(error.reason).toBe('NoController');
    expect(formatError(error)).toBe(
      'error: no controller ended 2 executions within 5 min of their deadlines: ops/nightly (deadline 2026-12-05T10:01:00.000Z), ops/weekly (deadline 2026-12-05T10:02:00.000Z)\n' +
        'fix: check that the WorkflowExecution controller runs and watches namespace ops; once one does it stops them as DeadlineExceeded (follow again with kubectl roundhouse watch)\n',
    );
  });
});
