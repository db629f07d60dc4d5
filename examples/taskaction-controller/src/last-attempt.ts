import {
  type ActionStatus,
  attemptsOf,
  type Failure,
  type RetryPolicy,
  type TransitionAt,
} from '@roundhouse/controller';

type Mark = (
  status: ActionStatus,
  failure: Failure,
  policy: RetryPolicy,
  at: TransitionAt,
) => ActionStatus | undefined;

/**
 * A task whose last attempt fails ends with that attempt's own error (`OOMKilled`,
 * `TaskFailed`, ...), as Flyte's executor keeps the plugin's error when the retries run out
 * (`reconcileTask` in taskaction_controller.go) and writes `MaxRetriesExceeded` only for a
 * failure that carries none, which the engines here never report. Users and their alerts key
 * on that code; `status.attempts` already tells it was the last. Like any transition that is
 * not a system failure, it ends the run of system failures.
 */
export function failingAsLastAttempt(mark: Mark): Mark {
  return (status, failure, policy, at) => {
    const last =
      failure.kind === 'USER' && failure.retryable && attemptsOf(status) >= policy.maxAttempts;
    if (!last) return mark(status, failure, policy, at);
    // Not retryable: the budgets pass the failure through as the action's own.
    const next = mark(status, { ...failure, retryable: false }, policy, at);
    return next && { ...next, systemFailures: 0 };
  };
}
