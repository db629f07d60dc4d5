import type { Conventions, Logger, WorkflowExecution } from '@roundhouse/core';
import { executionResourceName } from '@roundhouse/core';
import { isKubernetesError, type KubeClient, OwnedResources, resources } from '@roundhouse/kube';
import { CreateInProgressError, LockLostError } from './execution-errors.js';
import {
  buildLaunchLock,
  type ClaimState,
  claimed,
  claimState,
  isLockFinished,
  type LaunchLock,
  type LaunchRecord,
  readRecord,
  withRecord,
} from './launch-record.js';

export interface ExecutionLockSettings {
  readonly conventions: Conventions;
  /** How long a claim whose holder stopped writing is honoured before another call takes it. */
  readonly claimTtlMs: number;
  readonly now: () => number;
}

/** A claimed lock: the lock as last written, and its record. */
export interface Claim {
  readonly lock: LaunchLock;
  readonly record: LaunchRecord;
  /** The lock existed already: an earlier create of this execution made it. */
  readonly adopted: boolean;
}

/**
 * The execution's lock in Kubernetes, with the rules every engine shares (OwnedResources):
 * another execution's lock refuses the create (ResourceLockedError while its job may run,
 * PreviousExecutionNotCleanedError once it finished), this execution's own is adopted. On top,
 * one claim per execution: every write of the record is conditional on the version last read,
 * so two calls for one execution never both act on the same record, and only the claim holder
 * launches or deletes.
 */
export class ExecutionLock {
  readonly #kube: KubeClient;
  readonly #owned: OwnedResources<LaunchLock>;
  readonly #engine: string;
  readonly #settings: ExecutionLockSettings;

  constructor(kube: KubeClient, engine: string, settings: ExecutionLockSettings, log: Logger) {
    this.#kube = kube;
    this.#engine = engine;
    this.#settings = settings;
    const { conventions } = settings;
    this.#owned = new OwnedResources<LaunchLock>(
      kube,
      resources.leases,
      conventions,
      (lock) => isLockFinished(lock, conventions),
      { logger: log },
    );
  }

  /** The lock's name: the target's, as every engine computes it. */
  name(wfe: WorkflowExecution): string {
    return executionResourceName(wfe.spec.targetResource, this.#settings.conventions.namePrefix);
  }

  /**
   * Creates the lock claimed by `attempt`, or claims this execution's existing one unless
   * another call holds a fresh claim on it (CreateInProgressError).
   */
  async claim(
    wfe: WorkflowExecution,
    namespace: string,
    attempt: string,
    signal: AbortSignal | undefined,
  ): Promise<Claim> {
    const { conventions, now } = this.#settings;
    const fresh = claimed({ credentials: [], finished: false }, attempt, now());
    const body = buildLaunchLock(wfe, namespace, this.#engine, conventions, fresh);
    const { object, adopted } = await this.#owned.create(wfe, namespace, body, { signal });
    const record = readRecord(object, conventions);
    if (!adopted) return { lock: object, record, adopted };
    if (this.claimState(record) === 'held') {
      throw new CreateInProgressError(this.name(wfe), record.claim?.at ?? '');
    }
    return { ...(await this.write(object, claimed(record, attempt, now()), signal)), adopted };
  }

  claimState(record: LaunchRecord): ClaimState {
    return claimState(record, this.#settings.now(), this.#settings.claimTtlMs);
  }

  /** This execution's lock, or `null` when there is none (never created, or released). */
  async find(
    wfe: WorkflowExecution,
    namespace: string,
    signal: AbortSignal | undefined,
  ): Promise<{ lock: LaunchLock; record: LaunchRecord } | null> {
    const lock = await this.#owned.getOwned(wfe, namespace, this.name(wfe), { signal });
    return lock && { lock, record: readRecord(lock, this.#settings.conventions) };
  }

  /**
   * Writes `record` if nobody has written since `lock` was read; otherwise (or when the lock is
   * gone) LockLostError, and nothing is written.
   */
  async write(
    lock: LaunchLock,
    record: LaunchRecord,
    signal: AbortSignal | undefined,
  ): Promise<{ lock: LaunchLock; record: LaunchRecord }> {
    const { conventions } = this.#settings;
    const { name, namespace } = lock.metadata as { name: string; namespace: string };
    try {
      const written = await this.#kube.replace(
        resources.leases,
        namespace,
        name,
        withRecord(lock, record, conventions),
        { signal },
      );
      return { lock: written, record: readRecord(written, conventions) };
    } catch (error) {
      if (isKubernetesError(error, 'Conflict') || isKubernetesError(error, 'NotFound')) {
        throw new LockLostError(name, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Deletes the lock, releasing the target, if nobody has written it since `lock` was read
   * (uid and resourceVersion preconditions); LockLostError otherwise. Gone already is fine.
   */
  async release(lock: LaunchLock, signal: AbortSignal | undefined): Promise<void> {
    const { name, namespace, uid, resourceVersion } = lock.metadata as Record<string, string>;
    try {
      await this.#kube.delete(resources.leases, namespace, name as string, {
        preconditions: { uid: uid as string, resourceVersion: resourceVersion as string },
        signal,
      });
    } catch (error) {
      if (isKubernetesError(error, 'Conflict'))
        throw new LockLostError(name as string, { cause: error });
      throw error;
    }
  }

  /**
   * Records in `found` (this execution's lock as read, `null` when it has none) that the job
   * finished, so another execution's create on the target reads the lock as awaiting cleanup
   * rather than busy. Best effort: a record written since `found` was read wins.
   */
  async markFinished(
    found: { readonly lock: LaunchLock; readonly record: LaunchRecord } | null,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    if (!found || found.record.finished) return;
    try {
      await this.write(found.lock, { ...found.record, finished: true }, signal);
    } catch (error) {
      if (!(error instanceof LockLostError)) throw error;
    }
  }
}
