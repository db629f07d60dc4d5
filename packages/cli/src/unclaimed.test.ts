import { describe, expect, it } from 'vitest';
import { formatError } from './errors.js';
import { taskRunKind, UnclaimedExecutionError } from './unclaimed.js';

describe('UnclaimedExecutionError', () => {
  it('names the TaskRun, its namespace and the TaskRun controller to check', () => {
    const error = new UnclaimedExecutionError(
      [{ namespace: 'ci', name: 'build-run-x7k2p' }],
      5 * 60_000,
      taskRunKind,
    );
    expect(error.reason).toBe('NoController');
    expect(formatError(error)).toBe(
      'error: no controller took up the TaskRun within 5 min (no status was written): ci/build-run-x7k2p\n' +
        'fix: check that the TaskRun controller runs and watches namespace ci; the TaskRun stays and will run once one does (follow again with kubectl roundhouse taskrun logs -f build-run-x7k2p)\n',
    );
  });

  it('still speaks of WorkflowExecutions by default, several at once', () => {
    const error = new UnclaimedExecutionError(
      [
        { namespace: 'a', name: 'one' },
        { namespace: 'b', name: 'two' },
      ],
      1_000,
    );
    expect(formatError(error)).toBe(
      'error: no controller took up 2 executions within 1 s (no status was written): a/one, b/two\n' +
        'fix: check that the WorkflowExecution controller runs and watches namespace a, b; the executions stay and will run once one does (follow again with kubectl roundhouse watch)\n',
    );
  });
});
