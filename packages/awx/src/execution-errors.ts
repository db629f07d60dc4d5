/**
 * Why an ansible create or cleanup stopped, beyond what AWX itself answered: another call for
 * the same execution is at work, a launch's fate is not known yet, a canceled workflow job has
 * not ended, a canceled job has not ended, a job lost its credentials, or parts of a cleanup
 * failed. Each is a RoundhouseError with a `reason`; none carries a secret.
 */
import { CleanupPendingError, RoundhouseError } from '@roundhouse/core';

/**
 * Another create for this execution holds its claim (a second replica during a leader hand-over,
 * or a library caller calling create twice). Retry later: the holder finishes, or its claim goes
 * stale and the retry takes over.
 */
export class CreateInProgressError extends RoundhouseError {
  readonly reason = 'CreateInProgress';
  override readonly retryable = true;

  constructor(
    readonly lockName: string,
    readonly claimedAt: string,
  ) {
    super(
      `another create of this execution holds lock ${lockName} (claimed at ${claimedAt}); retry when it is done`,
    );
  }
}

/**
 * The launch record changed under this call (a newer create took its claim, or cleanup removed
 * the lock), so it stopped before doing anything more. Retry: the next create reads the record.
 */
export class LockLostError extends RoundhouseError {
  readonly reason = 'LockLost';
  override readonly retryable = true;

  constructor(
    readonly lockName: string,
    options?: ErrorOptions,
  ) {
    super(`lock ${lockName} was taken over or removed while this call held it; retry`, options);
  }
}

/**
 * A launch request went out and its answer was lost; AWX may still commit it, and its job was
 * not found. Nothing is launched again before `launchUntil`: a retried create looks for the job
 * until then.
 */
export class LaunchUnresolvedError extends RoundhouseError {
  readonly reason = 'AWXLaunchUnresolved';
  override readonly retryable = true;

  constructor(
    /** The template launched; unknown when the record was unreadable. */
    readonly templateId: number | undefined,
    readonly launchedAt: string,
    /** When a retried create stops waiting for the job and launches again. */
    readonly launchUntil: string,
    options?: ErrorOptions,
  ) {
    const which = templateId === undefined ? 'job template' : `job template ${templateId}`;
    super(
      `the launch of AWX ${which} sent at ${launchedAt} may still be committed ` +
        `by AWX, and its job was not found; a retried create looks for it again and launches ` +
        `anew only after ${launchUntil}`,
      options,
    );
  }
}

/**
 * The workflow job a sliced launch made was canceled and has not ended yet: AWX cancels a
 * running workflow job's sliced jobs later, and until it has, one of them may still start with
 * the execution's credentials. They stay, with the lock, until it has ended; retry.
 */
export class WorkflowJobCancelingError extends RoundhouseError {
  readonly reason = 'AWXWorkflowJobCanceling';
  override readonly retryable = true;

  constructor(readonly workflowJob: number) {
    super(
      `AWX workflow job ${workflowJob}, which a launch made instead of a job, is still being ` +
        "canceled and its sliced jobs may still start; the execution's credentials stay until " +
        'it has ended; retry',
    );
  }
}

/** How long a cleanup waits for a canceled job before it reads it again. */
const jobStoppingRecheckSeconds = 5;

/**
 * The execution's job was asked to cancel and is still active: AWX only sets the cancel_flag of
 * a job it has dispatched (UnifiedJob.cancel), and the job ends once its playbook's current task
 * stops, which can take a while; until then it still acts on the target. The lock, which holds
 * the target, stays until a later cleanup reads the job ended, so no other execution starts on
 * the target alongside it. Not a failure: core's `CleanupPendingError`, looked at again after
 * `retryAfterSeconds`.
 */
export class JobStoppingError extends CleanupPendingError {
  override readonly reason = 'AWXJobStopping';

  constructor(readonly jobId: number) {
    super(
      `AWX job ${jobId} was asked to cancel and has not ended yet; the target stays locked ` +
        'until it has',
      jobStoppingRecheckSeconds,
    );
  }
}

/**
 * The workflow job a sliced launch made could not be ended: AWX lets only the user who launched
 * it or a System Administrator cancel it (WorkflowJobAccess.can_cancel: it has no workflow job
 * template whose admins could), so its slices were canceled one by one instead, as Admin on the
 * job template may (JobAccess.can_cancel). `refused` are slices AWX would not let this user
 * cancel; `unspawned` counts slices the workflow manager has not spawned yet, which may still
 * start. The credentials and the lock stay. Retryable while no slice was refused.
 */
export class SlicedWorkflowNotCanceledError extends RoundhouseError {
  readonly reason = 'AWXSlicedWorkflowNotCanceled';
  override readonly retryable: boolean;

  constructor(
    readonly workflowJob: number,
    readonly refused: readonly number[],
    readonly unspawned: number,
    options?: ErrorOptions,
  ) {
    const left = [
      ...(refused.length > 0
        ? [
            `AWX refused to cancel its slice(s) ${refused.join(', ')}: grant the AWX user Admin on ` +
              'the job template, or use the token of the user who launched it or of a System ' +
              'Administrator',
          ]
        : []),
      ...(unspawned > 0
        ? [`${unspawned} slice(s) not spawned yet may still start; retry once they have`]
        : []),
    ];
    super(
      `AWX workflow job ${workflowJob}, which a sliced launch made, can be canceled only by the ` +
        'user who launched it or a System Administrator, so its slices were canceled instead; ' +
        `${left.join('; ')}. The execution's credentials stay until every slice is canceled`,
      options,
    );
    this.retryable = refused.length === 0;
  }
}

/**
 * A launch's marker found a workflow job, or a job one spawned: the launch, whose answer was
 * lost, made a workflow job of sliced jobs (the template slices). AWX gives the workflow job the
 * launch's extra_vars (JobTemplate.create_unified_job), and each slice it spawns the same, marker
 * included (WorkflowJobNode.get_job_kwargs). No slice is the execution's job; the workflow job
 * is what must be canceled. `workflowJob` is unset for a slice whose workflow job AWX no longer
 * has, which it only deletes once it has ended; `job` is unset when no slice was spawned yet.
 */
export class SlicedLaunchFoundError extends RoundhouseError {
  readonly reason = 'AWXSlicedLaunchFound';
  readonly workflowJob: number | undefined;
  readonly job: number | undefined;

  constructor(found: {
    readonly workflowJob?: number | undefined;
    readonly job?: number | undefined;
  }) {
    super(
      `${slicedLaunchFound(found)} carries this execution's marker: the launch, whose answer ` +
        'was lost, made a workflow job of sliced jobs, not the job of this execution',
    );
    this.workflowJob = found.workflowJob;
    this.job = found.job;
  }
}

function slicedLaunchFound(found: {
  workflowJob?: number | undefined;
  job?: number | undefined;
}): string {
  const workflow =
    found.workflowJob === undefined
      ? 'a workflow job AWX no longer has'
      : `AWX workflow job ${found.workflowJob}`;
  return found.job === undefined ? workflow : `AWX job ${found.job}, a sliced job of ${workflow},`;
}

/**
 * An adopted job that AWX may still start lacks credentials of this execution (someone deleted
 * them): it would run without the execution's Secrets, so it was canceled instead.
 */
export class JobCredentialsMissingError extends RoundhouseError {
  readonly reason = 'AWXJobCredentialsMissing';

  constructor(
    readonly jobId: number,
    readonly missing: readonly number[],
  ) {
    super(
      `AWX job ${jobId} lost credential(s) ${missing.join(', ')} of this execution before it ran, ` +
        'so it would run without its Secrets; it was canceled',
    );
  }
}

/**
 * Parts of a cleanup failed; every other part was still done. `failures` holds each error;
 * retrying finishes the rest, so it is retryable when any failure is.
 */
export class CleanupIncompleteError extends RoundhouseError {
  readonly reason = 'AWXCleanupIncomplete';
  override readonly retryable: boolean;

  constructor(
    readonly failures: readonly unknown[],
    what: string,
  ) {
    const messages = failures.map((f) => (f instanceof Error ? f.message : String(f)));
    super(`cleanup of ${what} is incomplete (${failures.length} failed): ${messages.join('; ')}`, {
      cause: failures[0],
    });
    this.retryable = failures.some((f) => !(f instanceof RoundhouseError) || f.retryable);
  }
}
