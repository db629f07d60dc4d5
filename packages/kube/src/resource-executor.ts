import {
  type AdoptOptions,
  type Availability,
  apiVersionOf,
  type CleanupPendingError,
  ConfigurationError,
  type Conventions,
  type CreateOptions,
  type CreateResult,
  type ExecutionResult,
  type ExecutionWatch,
  type Executor,
  executionResourceName,
  type Logger,
  type LogLine,
  type LogOptions,
  noopLogger,
  type OperationOptions,
  ownerFromLabels,
  PreviousExecutionNotCleanedError,
  preparedExecution,
  type StatusOptions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { executionLogs, type LogSources } from './execution-logs.js';
import type { KubeClient, KubeObject } from './kube-client.js';
import { isKubernetesError, KubernetesApiError } from './kubernetes-errors.js';
import { OwnedResources } from './owned-resources.js';
import { quotaExceededRefusal } from './quota-exceeded.js';
import type { Reader } from './reader.js';
import type { ResourceEngine } from './resource-engine.js';

export type { ResourceEngine, StatusContext } from './resource-engine.js';

export interface ResourceExecutorOptions {
  readonly conventions: Conventions;
  /**
   * Where status reads go; default the client. A controller passes its informer cache, so
   * `getStatus` on a watched resource costs no request.
   */
  readonly reader?: Reader | undefined;
  readonly logger?: Logger | undefined;
}

/**
 * An `Executor` for engines that run each execution as one Kubernetes object (a Job, a
 * PipelineRun, a Pod). The object's name is the target's lock; `create` adopts this
 * execution's own object after a crash and refuses another's; status reads and cleanup touch
 * only an object this execution owns.
 */
export class ResourceExecutor<T extends KubeObject> implements Executor {
  readonly engine: string;
  readonly watches: readonly ExecutionWatch[];
  /** Present when the engine names its log sources (see `ResourceEngine.logSources`). */
  readonly logs?: (
    wfe: WorkflowExecution,
    namespace: string,
    options?: LogOptions,
  ) => AsyncIterable<LogLine>;
  protected readonly client: KubeClient;
  protected readonly reader: Reader;
  protected readonly conventions: Conventions;
  protected readonly logger: Logger;
  protected readonly owned: OwnedResources<T>;
  readonly #spec: ResourceEngine<T>;

  constructor(client: KubeClient, spec: ResourceEngine<T>, options: ResourceExecutorOptions) {
    this.engine = spec.engine;
    this.client = client;
    this.reader = options.reader ?? client;
    this.conventions = options.conventions;
    this.logger = options.logger ?? noopLogger;
    this.#spec = spec;
    // A subclass's override, there already: methods are on the prototype before any constructor.
    const deletionPending = this.deletionPending?.bind(this);
    this.watches = Object.freeze([
      Object.freeze({
        resource: spec.type,
        conventions: options.conventions,
        deletion: spec.deletion ?? 'Background',
        ...(spec.finalizers?.length ? { finalizers: Object.freeze([...spec.finalizers]) } : {}),
        ...(spec.watchLabelSelector ? { labelSelector: spec.watchLabelSelector } : {}),
        ...(spec.watchTransform ? { transform: spec.watchTransform } : {}),
        // The object is one the watch selected: of `spec.type`, this engine's.
        ...(deletionPending
          ? {
              deletionPending: (object: object, signal?: AbortSignal | undefined) =>
                deletionPending(object as T, { signal }),
            }
          : {}),
      }),
    ]);
    this.owned = new OwnedResources<T>(
      client,
      spec.type,
      options.conventions,
      (object) => spec.isFinished(object),
      {
        logger: this.logger,
        reader: this.reader,
        ...(spec.deletion ? { deletion: spec.deletion } : {}),
      },
    );
    const logSources = spec.logSources?.bind(spec);
    if (logSources) {
      this.logs = (wfe, namespace, options = {}) => this.#logs(wfe, namespace, logSources, options);
    }
  }

  async create(
    wfe: WorkflowExecution,
    namespace: string,
    options: CreateOptions = {},
  ): Promise<CreateResult> {
    const { object: _object, ...result } = await this.createResource(wfe, namespace, options);
    return result;
  }

  /**
   * `create`, also handing back the resource as the API server answered the create (or as the
   * read that adopted it showed it): a caller that shows the resource at once (a status naming
   * it) needs no read back, which a controller's cache would rarely answer yet, its watch event
   * a moment behind the create, so the read would go to the API server. An engine that
   * overrides how it creates overrides this, which `create` calls.
   */
  async createResource(
    wfe: WorkflowExecution,
    namespace: string,
    options: CreateOptions = {},
  ): Promise<CreateResult & { readonly object: T }> {
    const declared = preparedExecution(wfe, {
      declaredParameterNames: options.declaredParameterNames,
      defaultTimeout: this.#spec.defaultTimeout,
    });
    const body = this.#spec.build(declared.wfe, namespace, options.dependencies);
    try {
      const { object, warnings, adopted } = await this.owned.create(wfe, namespace, body, options);
      return {
        object,
        resourceName: object.metadata?.name as string,
        warnings: [
          ...declared.warnings,
          ...(this.#spec.unusedFields?.(declared.wfe) ?? []),
          ...warnings,
        ],
        ...(adopted ? { adoptedKind: this.#spec.type.kind } : {}),
        // Made or adopted alike: a controller counts the start from it, on the API server's
        // clock, as the engine's own records of the run are (see `createdAtOf`).
        ...createdAtOf(object),
        ...(object.metadata?.resourceVersion
          ? { resourceVersion: object.metadata.resourceVersion }
          : {}),
      };
    } catch (error) {
      // The API server answers a create of a kind it does not serve with a bare 404, which
      // says nothing of the missing CRDs; a missing namespace is a 404 too, and is served.
      if (isKubernetesError(error, 'NotFound')) {
        // Only a diagnosis: if discovery fails too, the create's own error is the answer.
        const availability = await this.availability(options).catch(() => undefined);
        if (availability && !availability.available) {
          throw new ConfigurationError(
            { path: 'spec.executionEngine', message: `${this.engine}: ${availability.reason}` },
            { cause: error },
          );
        }
      }
      // A quota with no room is the namespace's state, not the caller's rights (a 403 too).
      throw quotaExceededRefusal(error, this.#spec.type.kind);
    }
  }

  /**
   * This execution's own resource, adopted as `create` adopts it on AlreadyExists, but read by
   * name instead of built and sent: the engine's rules of today (resource ceilings, allowed
   * images) have no say over a resource made under yesterday's, and a resource gone after all
   * is never made again here, unchecked. Read through the reader, so a resource the
   * controller's cache holds costs no request. The name is the one the caller found
   * (`resourceName`) where it says one: made under another name prefix before a restart, the
   * resource is this execution's still (`getOwned` checks its owner).
   */
  async adopt(
    wfe: WorkflowExecution,
    namespace: string,
    options: AdoptOptions = {},
  ): Promise<CreateResult | undefined> {
    const name = options.resourceName ?? this.resourceName(wfe);
    const object = await this.owned.getOwned(wfe, namespace, name, { signal: options.signal });
    if (!object) return undefined;
    const metadata = object.metadata;
    // On its way out, as create's read of it would refuse: a cleanup is in flight.
    if (metadata?.deletionTimestamp) {
      throw new PreviousExecutionNotCleanedError(
        name,
        ownerFromLabels(metadata.labels, this.conventions, metadata.annotations),
      );
    }
    const kind = this.#spec.type.kind;
    this.logger.info(
      { namespace, name, kind, wfe: wfe.metadata.name },
      `adopted this execution's existing ${kind}`,
    );
    return {
      resourceName: name,
      warnings: [],
      adoptedKind: kind,
      ...createdAtOf(object),
      ...(metadata?.resourceVersion ? { resourceVersion: metadata.resourceVersion } : {}),
    };
  }

  async getStatus(
    wfe: WorkflowExecution,
    namespace: string,
    options: StatusOptions = {},
  ): Promise<ExecutionResult | null> {
    const name = this.resourceName(wfe);
    const object = await this.owned.getOwned(wfe, namespace, name, options);
    // A fresh read is fresh throughout: a result from a live resource and cached related
    // objects (a finished run's children the cache has not seen finish) would be just as wrong.
    const reader = options.fresh ? this.client : this.reader;
    const context = { reader, namespace, signal: options.signal };
    if (object) return this.#spec.result(object, context);
    return (await this.#spec.vanished?.(wfe, name, context)) ?? null;
  }

  async cleanup(
    wfe: WorkflowExecution,
    namespace: string,
    options: OperationOptions = {},
  ): Promise<void> {
    await this.deleteResource(wfe, namespace, options);
  }

  /**
   * Deletes this execution's resource as `cleanup` does, saying what it found: `absent`, or
   * `not-owned` (another execution's under its name), when it was gone already, so this delete
   * reached nothing the resource left behind.
   */
  protected deleteResource(
    wfe: WorkflowExecution,
    namespace: string,
    options: OperationOptions = {},
  ): Promise<'deleted' | 'absent' | 'not-owned'> {
    return this.owned.deleteOwned(wfe, namespace, this.resourceName(wfe), options);
  }

  /**
   * The `CleanupPendingError` that holds `object`, this engine's resource, from deletion, or
   * undefined when it may go: an engine whose resource must first finish something (see
   * `cleanup`) overrides it, and its watch then carries it (`ExecutionWatch.deletionPending`),
   * so a controller deleting a resource whose execution is gone waits by the same rule. Engines
   * whose resources may always go leave it out, and their watch asks nothing.
   */
  protected deletionPending?(
    object: T,
    options: OperationOptions,
  ): Promise<CleanupPendingError | undefined>;

  /** Unavailable, with the reason, while the cluster does not serve the resource's API. */
  async availability(options: OperationOptions = {}): Promise<Availability> {
    const type = this.#spec.type;
    if (await this.client.isServed(type, options)) return { available: true };
    const hint = this.#spec.installHint ? `; ${this.#spec.installHint}` : '';
    return {
      available: false,
      reason: `the ${apiVersionOf(type)} ${type.kind} API (${type.plural}.${type.group || 'core'}) is not served by this cluster${hint}`,
    };
  }

  /**
   * The output of the execution resource's pods. Read live through the client: a caller of
   * `logs` (a CLI) wants the pods as they are now, and a cache may not hold pods at all.
   */
  async *#logs(
    wfe: WorkflowExecution,
    namespace: string,
    logSources: (object: T) => LogSources,
    options: LogOptions,
  ): AsyncGenerator<LogLine> {
    const name = this.resourceName(wfe);
    const read = (signal: AbortSignal | undefined) =>
      this.owned.getOwned(wfe, namespace, name, { signal });
    const object = await read(options.signal);
    if (!object) {
      throw new KubernetesApiError(
        'NotFound',
        `logs of WorkflowExecution ${wfe.metadata.namespace}/${wfe.metadata.name}: its ${this.#spec.type.kind} ${namespace}/${name} does not exist (not created yet, or cleaned up with its logs)`,
        404,
      );
    }
    yield* executionLogs(this.client, namespace, logSources(object), {
      ...options,
      finished: async (signal) => {
        const current = await read(signal);
        return !current || this.#spec.isFinished(current);
      },
    });
  }

  /** The execution resource's name: as recorded in the status, else the target's lock. */
  protected resourceName(wfe: WorkflowExecution): string {
    return (
      wfe.status?.executionRef?.name ??
      executionResourceName(wfe.spec.targetResource, this.conventions.namePrefix)
    );
  }
}

/**
 * When the resource was created, from which a controller counts the execution's start: an
 * adopted one's by a start before a restart, and a new one's even so, since the create's answer
 * can come seconds after the API server made it (and this process's clock may run ahead of the
 * cluster's), while the engine's records of the run (a Job's Events) carry the cluster's times.
 */
function createdAtOf(object: KubeObject): Pick<CreateResult, 'createdAt'> {
  const createdAt = object.metadata?.creationTimestamp;
  return createdAt ? { createdAt } : {};
}
