import type { Dependencies, ExecutionResult, WorkflowExecution } from '@roundhouse/core';
import type { LogSources } from './execution-logs.js';
import type { DeletionPropagation, KubeObject } from './kube-client.js';
import type { Reader } from './reader.js';
import type { ResourceOf } from './resources.js';

/** What the status mapping of a resource engine may use besides the resource itself. */
export interface StatusContext {
  /**
   * Reads related objects (pods, child runs): the cache inside a controller, the API server on
   * a `fresh` status read.
   */
  readonly reader: Reader;
  readonly namespace: string;
  readonly signal?: AbortSignal | undefined;
}

/**
 * The part of a Kubernetes-resource engine that is its own: what it builds and how it reads
 * the result. Everything else (the lock, create-or-adopt, ownership, deletion, the watch) is
 * `ResourceExecutor`'s, written once for every such engine.
 */
export interface ResourceEngine<T extends KubeObject> {
  /** Registry key, matched against `spec.executionEngine`. */
  readonly engine: string;
  /** The kind of execution resource; one per execution, named by the target's lock. */
  readonly type: ResourceOf<T>;
  /**
   * The execution resource for `wfe`, named `executionResourceName(target)` and carrying
   * `executionMetadata`. Pure; bad input throws ConfigurationError before anything is sent.
   */
  build(wfe: WorkflowExecution, namespace: string, dependencies: Dependencies | undefined): T;
  /**
   * The Go duration `build` gives an execution without `spec.executionConfig.timeout`, if any.
   * `create` hands `build` that timeout ended by `spec.timesOutAt` when that comes first and
   * leaves the spec without one otherwise, so neither deadline is lengthened by the other.
   */
  readonly defaultTimeout?: string | undefined;
  /**
   * Fields of `wfe` the engine has no use for, each said as a warning of `create` rather than
   * dropped in silence (a container size for an engine whose tasks size themselves).
   */
  unusedFields?(wfe: WorkflowExecution): readonly string[];
  /** Whether the resource reached a terminal state, so its lock is stale rather than busy. */
  isFinished(object: T): boolean;
  /** The execution's state as the resource (and what the context reads) shows it. */
  result(object: T, context: StatusContext): Promise<ExecutionResult>;
  /**
   * The verdict a resource named `name` left behind for `wfe` once it is gone, when something
   * outlives it (the Job engine's TTL deletes finished Jobs; their Events stay); undefined when
   * nothing tells, and `getStatus` then answers null (the resource was deleted).
   */
  vanished?(
    wfe: WorkflowExecution,
    name: string,
    context: StatusContext,
  ): Promise<ExecutionResult | undefined>;
  /** Shown when the cluster does not serve `type`, e.g. "install Tekton Pipelines". */
  readonly installHint?: string | undefined;
  /**
   * How cleanup deletes the resource; default `Background`. `Foreground` for an engine whose
   * children take their names from the resource's (Tekton's TaskRuns are `<run>-<task>`): the
   * resource, whose name is the lock, then stays until its children are gone, so the next
   * execution's resource of the same name cannot find the previous one's children.
   */
  readonly deletion?: DeletionPropagation | undefined;
  /** The finalizers `build` puts on the resource and `cleanup` takes off (see ExecutionWatch). */
  readonly finalizers?: readonly string[] | undefined;
  /**
   * Equality terms every resource `build` makes carries, for a kind other engines' executions
   * also leave in the execution namespace with the owner labels (see
   * `ExecutionWatch.labelSelector`). Default none.
   */
  readonly watchLabelSelector?: string | undefined;
  /** Trims each watched resource before a controller caches it (see `ExecutionWatch.transform`). */
  readonly watchTransform?: ((object: object) => object) | undefined;
  /**
   * The pods (and containers) whose logs are the execution's output; engines that omit it
   * offer no `logs`.
   */
  logSources?(object: T): LogSources;
}
