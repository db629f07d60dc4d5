import {
  type Conventions,
  isOwnedBy,
  type Logger,
  noopLogger,
  type OperationOptions,
  ownerFromLabels,
  PreviousExecutionNotCleanedError,
  ResourceLockedError,
  type StatusOptions,
  throwIfAborted,
  type WorkflowExecution,
} from '@roundhouse/core';
import { conventionsMismatch } from './conventions-mismatch.js';
import { deleteAsRead } from './delete-as-read.js';
import type { DeletionPropagation, KubeClient, KubeObject } from './kube-client.js';
import { isKubernetesError } from './kubernetes-errors.js';
import type { Reader } from './reader.js';
import type { ResourceOf } from './resources.js';

export interface OwnedCreateResult<T> {
  readonly object: T;
  readonly warnings: readonly string[];
  /** True when the resource already existed and belongs to this execution (a retried create). */
  readonly adopted: boolean;
}

export interface OwnedResourcesOptions {
  readonly logger?: Logger | undefined;
  /**
   * Where ownership checks before a status read or a delete read from; default the client.
   * The read after a refused create always goes to the API server: it decides who holds the
   * lock, and a cache that has not seen the holder yet would answer wrongly.
   */
  readonly reader?: Reader | undefined;
  /** How `deleteOwned` deletes; default `Background` (see `ResourceEngine.deletion`). */
  readonly deletion?: DeletionPropagation | undefined;
}

/**
 * Execution resources whose name is a lock: creating one adopts this execution's own resource
 * after a crash, refuses another execution's, and deletes only what this execution owns.
 * Every Kubernetes backend shares these rules through this class.
 */
export class OwnedResources<T extends KubeObject> {
  private readonly logger: Logger;
  private readonly reader: Reader;
  private readonly deletion: DeletionPropagation;

  constructor(
    private readonly client: KubeClient,
    private readonly type: ResourceOf<T>,
    private readonly conventions: Conventions,
    /** Whether the resource has reached a terminal state, so its lock is stale rather than busy. */
    private readonly isFinished: (object: T) => boolean,
    options: OwnedResourcesOptions = {},
  ) {
    this.logger = options.logger ?? noopLogger;
    this.reader = options.reader ?? client;
    this.deletion = options.deletion ?? 'Background';
  }

  /**
   * Creates `body` for `wfe`. On AlreadyExists the existing resource is adopted when this
   * execution owns it; otherwise ResourceLockedError (its owner still runs) or
   * PreviousExecutionNotCleanedError (finished, or being deleted) tells the caller to retry later.
   */
  async create(
    wfe: WorkflowExecution,
    namespace: string,
    body: T,
    options: OperationOptions = {},
  ): Promise<OwnedCreateResult<T>> {
    const name = body.metadata?.name as string;
    throwIfAborted(options.signal, `create ${this.type.kind} ${namespace}/${name}`);
    const fields = { namespace, name, kind: this.type.kind, wfe: wfe.metadata.name };
    try {
      const created = await this.client.create(this.type, namespace, body, options);
      // Routine, and on the execution itself (its ExecutionCreated condition): debug, so a
      // burst of executions does not cost a log write each. Adoption and refusals stay info.
      this.logger.debug(fields, `created ${this.type.kind}`);
      return { ...created, adopted: false };
    } catch (error) {
      if (!isKubernetesError(error, 'AlreadyExists')) throw error;
    }
    const existing = await this.client.get<T>(this.type, namespace, name, options);
    // The full name from the annotation, not a long name's shortened label form: that form is
    // a name another execution can take, and errors and `deduplicatedBy` would name it.
    const owner = ownerFromLabels(
      existing?.metadata?.labels,
      this.conventions,
      existing?.metadata?.annotations,
    );
    // Gone again already, or on its way out: a cleanup is in flight; the caller retries later.
    if (!existing || existing.metadata?.deletionTimestamp) {
      throw new PreviousExecutionNotCleanedError(name, owner);
    }
    if (isOwnedBy(existing.metadata, wfe, this.conventions)) {
      this.logger.info(fields, `adopted this execution's existing ${this.type.kind}`);
      return { object: existing, warnings: [], adopted: true };
    }
    this.#throwIfMadeUnderOtherConventions(wfe, existing);
    if (this.isFinished(existing)) throw new PreviousExecutionNotCleanedError(name, owner);
    // Labels naming this very execution on a resource it does not own vouch for nobody: a
    // squatter wrote them, or an earlier incarnation under the same name did.
    const claimsThis =
      owner?.namespace === wfe.metadata.namespace && owner?.name === wfe.metadata.name;
    throw new ResourceLockedError(name, claimsThis ? undefined : owner);
  }

  /**
   * The resource if it exists and this execution owns it; `null` otherwise, unless it is this
   * execution's under other conventions (ConventionsMismatchError).
   */
  async getOwned(
    wfe: WorkflowExecution,
    namespace: string,
    name: string,
    options: StatusOptions = {},
  ): Promise<T | null> {
    throwIfAborted(options.signal, `get ${this.type.kind} ${namespace}/${name}`);
    const reader = options.fresh ? this.client : this.reader;
    const object = await reader.get<T>(this.type, namespace, name, { signal: options.signal });
    if (!object) return null;
    if (isOwnedBy(object.metadata, wfe, this.conventions)) return object;
    this.#throwIfMadeUnderOtherConventions(wfe, object);
    return null;
  }

  /**
   * Deletes the resource if this execution owns it, with its dependents (in the background
   * unless `deletion` says otherwise).
   * The uid precondition makes sure a newer resource that took the name after our read is
   * never deleted. Returns what happened, and logs it. A resource that is this execution's
   * under other conventions is not deleted: ConventionsMismatchError.
   */
  async deleteOwned(
    wfe: WorkflowExecution,
    namespace: string,
    name: string,
    options: OperationOptions = {},
  ): Promise<'deleted' | 'absent' | 'not-owned'> {
    const outcome = await this.#deleteOwned(wfe, namespace, name, options);
    const fields = { namespace, name, kind: this.type.kind, wfe: wfe.metadata.name };
    if (outcome === 'deleted') this.logger.debug(fields, `deleted ${this.type.kind}`);
    if (outcome === 'not-owned') {
      this.logger.info(fields, `not deleting ${this.type.kind} owned by another WorkflowExecution`);
    }
    return outcome;
  }

  async #deleteOwned(
    wfe: WorkflowExecution,
    namespace: string,
    name: string,
    options: OperationOptions,
  ): Promise<'deleted' | 'absent' | 'not-owned'> {
    throwIfAborted(options.signal, `delete ${this.type.kind} ${namespace}/${name}`);
    // A stale cached copy is safe here: the uid precondition below guards the delete.
    const object = await this.reader.get<T>(this.type, namespace, name, options);
    if (!object) return 'absent';
    if (!isOwnedBy(object.metadata, wfe, this.conventions)) {
      this.#throwIfMadeUnderOtherConventions(wfe, object);
      return 'not-owned';
    }
    const outcome = await deleteAsRead(this.client, this.type, object, {
      propagationPolicy: this.deletion,
      signal: options.signal,
    });
    return outcome === 'replaced' ? 'not-owned' : outcome;
  }

  /**
   * A resource this execution made before a restart under another `--conventions` carries the
   * other preset's owner keys: taken for absent, its execution would be failed as deleted while
   * it runs on, and its cleanup would leave it, and the target's lock, in place.
   */
  #throwIfMadeUnderOtherConventions(wfe: WorkflowExecution, object: T): void {
    const { name, namespace } = object.metadata ?? {};
    const resource = `${this.type.kind} ${namespace}/${name}`;
    const mismatch = conventionsMismatch(resource, object.metadata, wfe, this.conventions);
    if (mismatch) throw mismatch;
  }
}
