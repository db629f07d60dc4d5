import type { CreateWarning } from './condition-warning.js';
import type { Conventions } from './conventions.js';
import type { CleanupPendingError } from './errors.js';
import type { ExecutionResult } from './execution-result.js';
import type { DeletionPropagation, ResourceType } from './resource-type.js';
import type { Dependencies, WorkflowExecution } from './workflow-execution.js';

export interface OperationOptions {
  /** Aborts the operation; an executor checks it before every side effect. */
  readonly signal?: AbortSignal | undefined;
}

export interface StatusOptions extends OperationOptions {
  /**
   * Read the execution's state from its source, never from a cache: for a decision that
   * destroys (stopping an execution past its deadline), which a cache lagging behind a watch
   * that went quiet would make on a resource that already finished.
   */
  readonly fresh?: boolean | undefined;
}

export interface CreateOptions extends OperationOptions {
  /** Secrets and ConfigMaps the workflow needs, already resolved by the caller. */
  readonly dependencies?: Dependencies | undefined;
  /**
   * The parameter names the workflow declares (its catalog schema): any other parameter is
   * dropped before the execution is built, with a warning naming it (`withDeclaredParameters`,
   * kubernaut's `DeclaredParameterNames`). Unset: every parameter passes; empty: none does.
   */
  readonly declaredParameterNames?: readonly string[] | undefined;
}

export interface AdoptOptions extends OperationOptions {
  /**
   * The name of the resource the caller found for this execution (by its owner annotations),
   * read instead of the name the engine would give it today: a name prefix changed across a
   * restart names another resource, and the one that exists would never be adopted. Default:
   * the name the engine would give it.
   */
  readonly resourceName?: string | undefined;
}

export interface CreateResult {
  /** Name of the execution resource; record it in `status.executionRef.name`. */
  readonly resourceName: string;
  /**
   * Things the user should know that did not stop the execution (e.g. API warnings): words, or
   * a condition to set True on the execution (`ConditionWarning`, kubernaut's `Warning`).
   */
  readonly warnings: readonly CreateWarning[];
  /**
   * Set when the resource was there already and belongs to this execution (a create retried
   * after a crash, or one that lost a race with another writer for the same execution), so the
   * engine adopted it instead of creating it: the resource's kind (`PipelineRun`, `Job`), which
   * controllers report it by (kubernaut's `PipelineRunCreated` Event). Unset by engines that
   * cannot tell.
   */
  readonly adoptedKind?: string | undefined;
  /**
   * The resource's `metadata.resourceVersion` as the create answered it (or the read that
   * adopted it), for a controller that counts what it created against an informer: once the
   * informer has listed or watched past this version, it holds the resource or has seen it go.
   * Unset by engines whose resource is not a Kubernetes object.
   */
  readonly resourceVersion?: string | undefined;
  /**
   * When the resource was created (RFC 3339; a Kubernetes object's
   * `metadata.creationTimestamp`, a task's creation time), made by this create or adopted, so a
   * controller counts the start, its deadline and its duration from when the workflow began on
   * the cluster's clock, not from when the create's answer arrived or from the adoption (the
   * resource made by a start before a restart, or by a writer whose create this one lost).
   * Unset by engines that cannot tell.
   */
  readonly createdAt?: string | undefined;
}

export interface LogOptions extends OperationOptions {
  /** Keep streaming until the execution finishes, picking up pods or steps that start later. */
  readonly follow?: boolean | undefined;
  /** Only the last lines of each source. */
  readonly tailLines?: number | undefined;
}

/** One line of an execution's output. */
export interface LogLine {
  /** Where the line came from: `pod/container` for Kubernetes engines, `awx job 12` for AWX. */
  readonly source: string;
  /** The line without its newline. */
  readonly text: string;
}

export type Availability =
  | { readonly available: true }
  | { readonly available: false; readonly reason: string };

/**
 * A kind of Kubernetes object an engine creates for its executions, so a controller can watch
 * it and wake the owning WorkflowExecution on every change instead of polling. The resources
 * carry the owner labels and annotation of `conventions` (see `executionMetadata`), which is
 * how the controller selects them and maps each back to its owner (`executionOwnerKey`).
 */
export interface ExecutionWatch {
  readonly resource: ResourceType;
  readonly conventions: Conventions;
  /**
   * How the engine's `cleanup` deletes the resource, so a controller that finds one whose
   * WorkflowExecution is gone (it never got its finalizer) deletes it the same way. Default
   * `Background`.
   */
  readonly deletion?: DeletionPropagation | undefined;
  /**
   * The finalizers the engine puts on the resource and takes off in its `cleanup`. A controller
   * that deletes a resource whose WorkflowExecution is gone takes them off too: no `cleanup`
   * will ever run for it, and the resource, whose name is its target's lock, would otherwise
   * stay being deleted for ever (and hold up its namespace's deletion). Default none.
   */
  readonly finalizers?: readonly string[] | undefined;
  /**
   * Equality terms (`key=value`, comma-separated) that every resource the engine creates
   * carries, narrowing the owner labels' selector to the engine's own: where another engine's
   * executions leave objects of the same kind with the owner labels in the execution namespace
   * (Tekton copies a PipelineRun's labels onto its task Pods), a controller selects the
   * watched resources by the owner labels and these terms together, so it never caches, wakes
   * an execution on, or deletes as this engine's what another engine made. Default none: the
   * owner labels alone, for a kind only this engine's executions leave there.
   */
  readonly labelSelector?: string | undefined;
  /**
   * Whether a resource must not be deleted yet even though its WorkflowExecution is gone (it
   * never got its finalizer): the `CleanupPendingError` the engine's `cleanup` would throw for
   * it (a PipelineRun running a graceful cancel's `finally`), or undefined when it may go. A
   * controller deleting such a resource asks it first, so the resource is held by the same rule
   * whichever way its execution went, and looks again when the error says. `object` is the
   * watched resource, possibly from a cache. Default: every such resource goes at once.
   */
  readonly deletionPending?:
    | ((
        object: object,
        signal?: AbortSignal | undefined,
      ) => Promise<CleanupPendingError | undefined>)
    | undefined;
  /**
   * Trims each watched resource before a controller caches it (as `ExecutionRead.transform`
   * does), for a kind whose objects carry much the engine never reads back (a Job's pod
   * template, holding every parameter). It must keep what every reader of the cached object
   * reads: the engine's status, adoption and cleanup, and the controller's, which maps a
   * resource to its owner and deletes orphans by the whole `metadata` (finalizers,
   * `deletionTimestamp`, owner labels and annotations). A controller's informer of a kind is
   * shared by every watch with the same scope, so each must pass this same function (a
   * module-level one, not a closure made per call) or the controller refuses the second
   * (`InformerTransformConflictError`). Default: the object without `metadata.managedFields`.
   */
  readonly transform?: ((object: object) => object) | undefined;
}

/**
 * A kind of Kubernetes object an engine reads while its executions run but does not create
 * itself (a Job's pods), so a controller can keep those objects in its cache and answer the
 * engine's reads from memory. Unlike a watch, a change to one wakes no execution: the engine's
 * own resource still says when to look, and a read object's changes are only ever seen on the
 * next status check.
 */
export interface ExecutionRead {
  readonly resource: ResourceType;
  /**
   * An equality-based label selector (`key`, `key=value`, comma-separated) that every object
   * the engine reads carries; the cache holds only these, in the execution namespace, so it
   * never holds what the engine does not own. A list is answered from the cache when it asks
   * for the execution namespace and a selector that implies this one (this one plus narrower
   * terms); any other read goes to the API server, so the same query is right outside a
   * controller, where the reader is the client.
   */
  readonly labelSelector: string;
  /**
   * A field selector (`status.phase!=Running`) narrowing the cache further, so the API server
   * sends no events of objects the engine never reads (a pod that started). Lists asking for
   * exactly this field selector are answered from the cache; the engine must ask with it, and
   * then the API server gives the same answer. Default none.
   */
  readonly fieldSelector?: string | undefined;
  /**
   * Trims each object to what the engine reads before it is cached, because a cache of many
   * objects (pods) would otherwise hold every field of each. It must keep `metadata.name`,
   * `namespace`, `uid`, `resourceVersion` and `labels`, which the cache itself relies on.
   * Default: the object without `metadata.managedFields`.
   */
  readonly transform?: ((object: object) => object) | undefined;
}

/**
 * One execution engine. Implementations must be safe to call again after a crash at any point:
 * `create` for an execution that already exists returns the existing resource, `cleanup` of
 * something already gone succeeds. Errors are `RoundhouseError`s with a `reason`.
 */
export interface Executor {
  /** Registry key, matched against `spec.executionEngine`. */
  readonly engine: string;
  /**
   * The Kubernetes resources this engine creates, for controllers to watch. Engines whose
   * executions live elsewhere (AWX, a process) omit it and are polled.
   */
  readonly watches?: readonly ExecutionWatch[] | undefined;
  /**
   * Kubernetes objects the engine reads while an execution runs without creating them (see
   * `ExecutionRead`), for controllers to cache. Engines that read nothing else omit it.
   */
  readonly reads?: readonly ExecutionRead[] | undefined;
  /** Creates the execution resource in `namespace` (the execution namespace). */
  create(wfe: WorkflowExecution, namespace: string, options?: CreateOptions): Promise<CreateResult>;
  /**
   * Adopts the resource a `create` before a crash made for this very execution (its owner
   * annotations name the execution's uid), for a controller that knows it exists (its cache
   * shows it) while the execution's status does not record it yet. Returns what `create` would
   * have returned on meeting it (`adoptedKind` set, `resourceVersion` where there is one), or
   * undefined when no resource of this execution exists: the caller then starts the execution
   * through `create`, with every check a start makes. It must never build or create anything,
   * so nothing refuses today what was allowed when the resource was made (a ceiling lowered
   * across the restart) and nothing unchecked is made in its place; it must not return another
   * execution's resource; a resource of this execution on its way out throws what `create`
   * would (`PreviousExecutionNotCleanedError`). A read the controller's cache can answer costs
   * no request. Optional: for an engine without it, the controller reads the resource it found
   * through `getStatus`, with `status.executionRef` naming it (whatever its name: a prefix may
   * have changed across the restart), and records it; a resource gone after all makes nothing,
   * and the start is retried through every check.
   */
  adopt?(
    wfe: WorkflowExecution,
    namespace: string,
    options?: AdoptOptions,
  ): Promise<CreateResult | undefined>;
  /**
   * The execution's current state, or `null` when its resource no longer exists. Finds the
   * resource by `status.executionRef.name` when the status records one (an adopted resource may
   * carry a name `create` would no longer build), as `cleanup` must too.
   */
  getStatus(
    wfe: WorkflowExecution,
    namespace: string,
    options?: StatusOptions,
  ): Promise<ExecutionResult | null>;
  /**
   * Removes what `create` made for this execution; idempotent, and never touches another's. An
   * engine whose resource must first finish something (a graceful cancel's `finally`) throws a
   * `CleanupPendingError` and removes it on a later call.
   */
  cleanup(wfe: WorkflowExecution, namespace: string, options?: OperationOptions): Promise<void>;
  /**
   * Told once the execution's final result is in its status: what the engine held only so that
   * result could still be read (the pod engine's result finalizer) may go now rather than at
   * `cleanup`, after the cooldown, as the Job controller drops its pods' tracking finalizer once
   * it has counted them. Best effort: a controller that crashes first never calls it, and
   * `cleanup` releases everything anyway. Idempotent. Engines that hold nothing omit it.
   */
  resultRecorded?(
    wfe: WorkflowExecution,
    namespace: string,
    options?: OperationOptions,
  ): Promise<void>;
  /**
   * The execution's output, from the engine itself: the engine knows where its output lives
   * (pods it created, an AWX job's stdout), so callers never guess. Engines with no output to
   * offer omit it. When the signal fires the iteration ends without an error.
   */
  logs?(wfe: WorkflowExecution, namespace: string, options?: LogOptions): AsyncIterable<LogLine>;
  /** Whether the engine can run here now; engines that are always available omit it. */
  availability?(options?: OperationOptions): Promise<Availability>;
}
