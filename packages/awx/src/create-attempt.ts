import { type Logger, RoundhouseError } from '@roundhouse/core';
import type { EphemeralCredentials } from './ephemeral-credentials.js';
import { LockLostError, WorkflowJobCancelingError } from './execution-errors.js';
import type { ExecutionIdentity } from './execution-identity.js';
import type { Claim, ExecutionLock } from './execution-lock.js';
import { claimed, type LaunchLock, type LaunchRecord, unclaimed } from './launch-record.js';
import type { Credential } from './schemas.js';
import { endSlicedWorkflow, type SlicedWorkflowCanceler } from './sliced-workflow.js';

/** What an attempt needs of the lock: conditional writes, and the release. */
export type LockWriter = Pick<ExecutionLock, 'write' | 'release'>;

/**
 * How far a create got, which decides what a failure may undo:
 * - `preparing`: no launch request was sent, so no job can exist;
 * - `launching`: a launch request was sent and its outcome is unknown;
 * - `refused`: AWX refused the launch (a 4xx), so no job exists;
 * - `launched`: the job is known.
 */
export type Stage = 'preparing' | 'launching' | 'refused' | 'launched';

/**
 * One create's hold on the execution's lock and what it did so far. Every record write is
 * conditional on the version this attempt last saw and refreshes its claim, so an attempt that
 * was taken over learns it at its next write, before doing anything else.
 */
export class CreateAttempt {
  readonly id: string;
  readonly adopted: boolean;
  /** Credentials this attempt created, as AWX answered each. */
  readonly created: Credential[] = [];
  /** A credential create was sent: one whose answer was lost is only found by its name. */
  touchedCredentials = false;
  stage: Stage = 'preparing';
  job: number | undefined;
  /** The workflow job a launch made instead of a job (the template slices). */
  workflowJob: number | undefined;
  #lock: LaunchLock;
  #record: LaunchRecord;
  readonly #locks: LockWriter;
  readonly #now: () => number;

  constructor(locks: LockWriter, claim: Claim, id: string, now: () => number) {
    this.#locks = locks;
    this.#lock = claim.lock;
    this.#record = claim.record;
    this.adopted = claim.adopted;
    this.id = id;
    this.#now = now;
  }

  get record(): LaunchRecord {
    return this.#record;
  }

  /** The lock's name, for errors. */
  get lockName(): string {
    return this.#lock.metadata?.name ?? '';
  }

  /** Every credential id of the execution known to the record or made by this attempt. */
  credentialIds(): number[] {
    return [...new Set([...this.#record.credentials, ...this.created.map((c) => c.id)])];
  }

  /** Writes `changes` into the record, keeping the claim; LockLostError when taken over. */
  async write(changes: Partial<LaunchRecord>, signal: AbortSignal | undefined): Promise<void> {
    const next = claimed({ ...this.#record, ...changes }, this.id, this.#now());
    ({ lock: this.#lock, record: this.#record } = await this.#locks.write(
      this.#lock,
      next,
      signal,
    ));
  }

  /** Writes `changes` and gives up the claim, so the next call acts at once. */
  async finish(changes: Partial<LaunchRecord>, signal: AbortSignal | undefined): Promise<void> {
    const next = unclaimed({ ...this.#record, ...changes });
    ({ lock: this.#lock, record: this.#record } = await this.#locks.write(
      this.#lock,
      next,
      signal,
    ));
  }

  /** Deletes the lock, releasing the target; only if nobody wrote it since this attempt did. */
  async release(signal: AbortSignal | undefined): Promise<void> {
    await this.#locks.release(this.#lock, signal);
  }
}

export interface RollbackParts {
  readonly awx: SlicedWorkflowCanceler;
  readonly credentials: EphemeralCredentials;
  readonly log: Logger;
}

/**
 * Undoes a failed create as far as it is safe, without the caller's signal (a shutting-down
 * controller still completes it) but within `signal`, a bound of its own (the writes that record
 * what is left for the next create or cleanup, one request each, still go on past it), and never
 * throws: the create's own error is what the caller needs. A credential is deleted only when no job that may still start can be using it:
 * - nothing launched (`preparing`, `refused`): the credentials go, then the lock, releasing the
 *   target; what could not be deleted stays recorded in the lock for the next create or cleanup;
 * - a launch whose outcome is unknown (`launching`): everything stays, so a job AWX commits
 *   later has its credentials, and the next create or cleanup looks for it;
 * - a job that must not run (`launched`, e.g. AWX ignored its credentials): it is canceled first,
 *   and its credentials and the lock go only once the cancel was accepted;
 * - a workflow job (`launched`, the template sliced): it is canceled first, and its credentials
 *   and the lock go only once it has ended; until then the record keeps it, for the next create
 *   or cleanup.
 * Nothing is undone before the attempt has confirmed it still holds its claim (a write that
 * also keeps it fresh): an attempt that was taken over undoes only its own credentials, by id,
 * since the record, and every credential named for the execution, are the new holder's.
 * Returns whether the attempt had lost its claim.
 */
export async function rollBack(
  attempt: CreateAttempt,
  error: unknown,
  identity: ExecutionIdentity,
  parts: RollbackParts,
  signal: AbortSignal,
): Promise<'lost' | 'held'> {
  const fields = { wfe: identity.id, stage: attempt.stage, attempt: attempt.id };
  try {
    if (!(error instanceof LockLostError)) await attempt.write({}, signal);
  } catch (failure) {
    if (!(failure instanceof LockLostError)) {
      parts.log.warn(
        { ...fields, reason: reasonOf(failure) },
        'could not undo a failed create; the next create or cleanup does',
      );
      return 'held';
    }
    return undoSuperseded(attempt, identity, parts, signal);
  }
  if (error instanceof LockLostError) return undoSuperseded(attempt, identity, parts, signal);
  try {
    await undoHeld(attempt, identity, parts, signal);
  } catch (failure) {
    parts.log.warn(
      { ...fields, reason: reasonOf(failure) },
      'could not finish undoing a failed create; the next create or cleanup finishes it',
    );
  }
  return 'held';
}

async function undoSuperseded(
  attempt: CreateAttempt,
  identity: ExecutionIdentity,
  parts: RollbackParts,
  signal: AbortSignal,
): Promise<'lost'> {
  const own = attempt.created.map((c) => c.id);
  const failures = await parts.credentials.deleteIds(identity, own, signal);
  if (failures.length > 0) {
    parts.log.warn(
      { wfe: identity.id, attempt: attempt.id, reason: reasonOf(failures[0]) },
      'could not delete the credentials of a superseded create',
    );
  }
  return 'lost';
}

async function undoHeld(
  attempt: CreateAttempt,
  identity: ExecutionIdentity,
  parts: RollbackParts,
  signal: AbortSignal,
): Promise<void> {
  const { log } = parts;
  const fields = { wfe: identity.id, stage: attempt.stage, attempt: attempt.id };
  if (attempt.stage === 'launching') {
    await attempt.finish({}, undefined);
    return;
  }
  if (attempt.stage === 'launched' && attempt.job !== undefined) {
    const job = attempt.job;
    try {
      const outcome = await parts.awx.cancelJob(job, { signal });
      log.info({ ...fields, job, outcome }, 'canceled AWX job of a failed create');
    } catch (failure) {
      // The job may still start: its credentials stay, and so does the record of it.
      log.warn(
        { ...fields, job, reason: reasonOf(failure) },
        'could not cancel the AWX job of a failed create',
      );
      await attempt.finish({ job }, undefined);
      return;
    }
  }
  if (attempt.stage === 'launched' && attempt.workflowJob !== undefined) {
    const workflowJob = attempt.workflowJob;
    try {
      await endSlicedWorkflow(parts.awx, workflowJob, { signal });
      log.info({ ...fields, workflowJob }, 'canceled AWX workflow job of a failed create');
    } catch (failure) {
      // Its sliced jobs may still start: the credentials stay, and the record keeps the
      // workflow job, so the next create or cleanup deletes them once it has ended.
      const message =
        failure instanceof WorkflowJobCancelingError
          ? 'AWX is still canceling the workflow job of a failed create'
          : 'could not cancel the AWX workflow job of a failed create';
      log.warn({ ...fields, workflowJob, reason: reasonOf(failure) }, message);
      await attempt.finish({ workflowJob }, undefined);
      return;
    }
  }
  const failures =
    attempt.adopted || attempt.touchedCredentials
      ? await parts.credentials.deleteAll(identity, attempt.credentialIds(), signal)
      : [];
  if (failures.length === 0) {
    await attempt.release(signal);
    return;
  }
  log.warn(
    { ...fields, reason: reasonOf(failures[0]) },
    'could not delete the credentials of a failed create; the next create or cleanup deletes them',
  );
  // A refused launch made no job: the next create need not wait for one.
  await attempt.finish(
    {
      credentials: attempt.credentialIds(),
      ...(attempt.stage === 'refused' ? { launchedAt: undefined } : {}),
    },
    undefined,
  );
}

function reasonOf(error: unknown): string {
  if (error instanceof RoundhouseError) return error.reason;
  return error instanceof Error ? error.name : 'unknown';
}
