import { randomUUID } from 'node:crypto';
import {
  type Logger,
  type OperationOptions,
  throwIfAborted,
  type WorkflowExecution,
} from '@roundhouse/core';
import type { CredentialStore, JobReader } from './awx-roles.js';
import type { EphemeralCredentials } from './ephemeral-credentials.js';
import {
  CleanupIncompleteError,
  JobStoppingError,
  LaunchUnresolvedError,
  SlicedLaunchFoundError,
} from './execution-errors.js';
import { type ExecutionIdentity, executionIdentity } from './execution-identity.js';
import { type ExecutionJobs, warnJobHidden } from './execution-jobs.js';
import type { ExecutionLock } from './execution-lock.js';
import type { AnsibleExecutorSettings } from './executor-options.js';
import { deleteKubernautCredentials } from './kubernaut-credentials.js';
import { claimed, type LaunchRecord, launchDeadline, unclaimed } from './launch-record.js';
import { withinBound } from './operation-bound.js';
import type { Job } from './schemas.js';
import { endSlicedWorkflow, type SlicedWorkflowCanceler } from './sliced-workflow.js';
import { isJobActive } from './status.js';

export interface ExecutionCleanupParts {
  readonly awx: SlicedWorkflowCanceler & CredentialStore & Pick<JobReader, 'getJob'>;
  readonly lock: Pick<ExecutionLock, 'find' | 'write' | 'release'>;
  readonly jobs: ExecutionJobs;
  readonly credentials: EphemeralCredentials;
}

/**
 * `cleanup` of the ansible engine: cancels the execution's job if AWX may still run it, then
 * deletes the execution's credentials (and those a kubernaut controller made for it), then the
 * lock, releasing the target. The job stays in AWX's history.
 *
 * A credential is never deleted while a job that may still start could need it: when the job
 * cannot be looked up or canceled, or a launch whose answer was lost may still be committed,
 * the credentials and the lock stay and cleanup fails (retryably) to be called again. A failure
 * to delete one credential does not stop the others; every failure is reported, and the lock,
 * which lets a later cleanup find what is left, goes only when nothing is.
 *
 * A job that was waiting or running when it was canceled may still act on the target for a
 * while (AWX only sets its cancel_flag, and it ends once its current task stops): the lock stays,
 * holding the target, and cleanup throws JobStoppingError, a `CleanupPendingError`, until a later
 * call reads the job ended. Its credentials go at once all the same: it already holds what they
 * injected, and with its cancel_flag set it starts no playbook that could need them (RunJob.run
 * checks the flag before it writes them out, jobs.py:473 and 504), so keeping them would only
 * keep their secrets in AWX longer.
 *
 * A job last seen active that AWX no longer shows is most likely hidden from the token, not
 * gone (`warnJobHidden`), yet its credentials are deleted, with a warning: nothing this engine
 * can do would ever see it end, so keeping them would keep their secrets in AWX for good and the
 * cleanup failing; a job already running holds what they injected, and one that starts without
 * them fails for want of them.
 */
export class ExecutionCleanup {
  readonly #parts: ExecutionCleanupParts;
  readonly #settings: AnsibleExecutorSettings;
  readonly #log: Logger;

  constructor(parts: ExecutionCleanupParts, settings: AnsibleExecutorSettings, log: Logger) {
    this.#parts = parts;
    this.#settings = settings;
    this.#log = log;
  }

  /**
   * Ends within `operationTimeoutMs`: what it could not delete by then is still named for the
   * execution (and recorded in the lock), and the next cleanup deletes it.
   */
  run(wfe: WorkflowExecution, namespace: string, options: OperationOptions): Promise<void> {
    const what = `ansible execution of WorkflowExecution ${wfe.metadata.namespace}/${wfe.metadata.name}`;
    throwIfAborted(options.signal, `clean up ${what}`);
    return withinBound(
      `cleanup of ${what}`,
      this.#settings.operationTimeoutMs,
      options.signal,
      (signal) => this.#run(wfe, namespace, what, signal),
    );
  }

  async #run(
    wfe: WorkflowExecution,
    namespace: string,
    what: string,
    signal: AbortSignal,
  ): Promise<void> {
    const identity = executionIdentity(wfe);
    const { lock, credentials } = this.#parts;
    const found = await lock.find(wfe, namespace, signal);
    // Cleanup takes the claim: a create still at work stops at its next write, before it launches.
    const held =
      found &&
      (await lock.write(
        found.lock,
        claimed(found.record, `cleanup-${randomUUID()}`, this.#settings.now()),
        signal,
      ));
    const failures: unknown[] = [];
    const job = await this.#stopJob(wfe, identity, held?.record, failures, signal);
    if (job !== 'mayStart') {
      failures.push(
        ...(await credentials.deleteAll(identity, held?.record.credentials ?? [], signal)),
      );
      failures.push(
        ...(await deleteKubernautCredentials(
          this.#parts.awx,
          wfe,
          this.#settings,
          this.#log,
          signal,
        )),
      );
    }
    if (held) {
      try {
        if (failures.length === 0 && job === 'ended') await lock.release(held.lock, signal);
        // The lock stays for a later cleanup, unclaimed; past the bound too, one request: a
        // create need not wait out the claim of a cleanup that ran out of time.
        else await lock.write(held.lock, unclaimed(held.record), undefined);
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new CleanupIncompleteError(failures, what);
    if (typeof job === 'number') throw new JobStoppingError(job);
  }

  /**
   * Cancels the job if AWX may still run it. `mayStart` when a job may still start whose
   * credentials must therefore stay: it could not be looked up or canceled, its launch may
   * still be committed, or the workflow job a sliced launch made has not ended. The job's id
   * when it was canceled and is still active, `ended` when nothing runs any more. Failures go
   * to `failures`.
   */
  async #stopJob(
    wfe: WorkflowExecution,
    identity: ExecutionIdentity,
    record: LaunchRecord | undefined,
    failures: unknown[],
    signal: AbortSignal | undefined,
  ): Promise<'ended' | 'mayStart' | number> {
    try {
      if (record?.workflowJob !== undefined) {
        // The launch made this workflow job and no job: once it has ended, nothing can start.
        await endSlicedWorkflow(this.#parts.awx, record.workflowJob, { signal });
        return 'ended';
      }
      let job: Job | null;
      try {
        job = await this.#parts.jobs.owned(wfe, identity, record, signal);
      } catch (error) {
        if (!(error instanceof SlicedLaunchFoundError)) throw error;
        // A launch whose answer was lost made a workflow job of sliced jobs: canceling the one
        // slice found would leave the workflow job running the others.
        if (error.workflowJob !== undefined) {
          await endSlicedWorkflow(this.#parts.awx, error.workflowJob, { signal });
        }
        return 'ended';
      }
      if (job && isJobActive(job.status)) return await this.#cancel(job.id, identity, signal);
      const until =
        record && record.job === undefined
          ? launchDeadline(record, this.#settings.launchCommitWindowMs)
          : undefined;
      if (job || until === undefined || this.#settings.now() >= until) return 'ended';
      failures.push(
        new LaunchUnresolvedError(
          record?.template,
          record?.launchedAt as string,
          new Date(until).toISOString(),
        ),
      );
      return 'mayStart';
    } catch (error) {
      failures.push(error);
      return 'mayStart';
    }
  }

  /**
   * Cancels an active job, then reads it once: AWX ends a job it had not dispatched at once, and
   * only flags one the dispatcher holds, `waiting` as well as `running`, which ends later
   * (UnifiedJob.cancel, unified_jobs.py:1503-1511). The job's id while it is still active.
   */
  async #cancel(
    id: number,
    identity: ExecutionIdentity,
    signal: AbortSignal | undefined,
  ): Promise<'ended' | number> {
    const outcome = await this.#parts.awx.cancelJob(id, { signal });
    if (outcome === 'finished') return 'ended';
    if (outcome === 'absent') {
      warnJobHidden(this.#log, id);
      return 'ended';
    }
    this.#log.info({ wfe: identity.id, job: id, outcome }, 'canceled AWX job');
    const job = await this.#parts.awx.getJob(id, { signal });
    if (job === null) {
      warnJobHidden(this.#log, id);
      return 'ended';
    }
    return isJobActive(job.status) ? id : 'ended';
  }
}
