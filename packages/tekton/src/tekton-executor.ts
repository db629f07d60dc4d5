import {
  ConfigurationError,
  type ExecutionRead,
  isDns1123Subdomain,
  noopLogger,
  type OperationOptions,
  type ResourceType,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import {
  type ClusterConfig,
  isKubernetesError,
  KubeClient,
  type KubeObject,
  KubernetesApiError,
  type Reader,
  ResourceExecutor,
  resources,
} from '@roundhouse/kube';
import { CancelWrites } from './cancel-writes.js';
import { cancelPatch } from './cancellation.js';
import { readChildTaskRuns } from './child-task-runs.js';
import { customRunType } from './custom-runs.js';
import { deleteAsDecided, keepForeground, maxDeleteAttempts } from './delete-as-decided.js';
import {
  FinallyRunningError,
  GracefulRunSchema,
  gracefulFinallyUntil,
} from './graceful-finally.js';
import {
  defaultPipelineName,
  type PipelineRunSettings,
  pipelineTimeout,
} from './pipeline-run-spec.js';
import { type ResultSettings, readNextRunRefusal } from './read-result.js';
import {
  childTaskRuns,
  isPipelineRunFinished,
  PipelineRunStateSchema,
  pipelineRunLabel,
  pipelineRunUidLabel,
} from './status.js';
import { taskRunsRead } from './task-runs-read.js';
import { type PipelineRunObject, runDeletion, tektonEngineSpec } from './tekton-engine-spec.js';
import type { CancelOptions, TektonExecutorOptions } from './tekton-executor-options.js';
import { defaultStartupGraceMs } from './tekton-executor-options.js';
import { defaultControllerGraceMs } from './unwritten-status.js';

/** Whether cleanup leaves the run to its graceful `finally`, and until when at the latest. */
interface GracefulWait {
  readonly waits: boolean;
  readonly until: number;
  readonly now: number;
}

/**
 * The `tekton` engine: one tekton.dev/v1 PipelineRun per execution, named for the target's
 * lock, resolving its Pipeline from the execution bundle. Safe to call again after a crash:
 * create adopts this execution's own PipelineRun, and cancel and cleanup touch only a
 * PipelineRun this execution owns.
 */
export class TektonExecutor extends ResourceExecutor<PipelineRunObject> {
  /** The run's child TaskRuns, which its status checks read; a controller caches them. */
  readonly reads: readonly ExecutionRead[];
  readonly #pipelineRunType: ResourceType;
  readonly #taskRunType: ResourceType;
  readonly #startupGraceMs: number;
  readonly #resultSettings: ResultSettings;
  readonly #cancelWrites = new CancelWrites();

  constructor(client: KubeClient, options: TektonExecutorOptions = {}) {
    const conventions = options.conventions ?? roundhouseConventions;
    const pipelineName = options.pipelineName ?? defaultPipelineName;
    if (!isDns1123Subdomain(pipelineName)) {
      throw new ConfigurationError({
        path: 'pipelineName',
        message: `"${pipelineName}" is not a valid Pipeline name (lowercase DNS-1123 subdomain)`,
      });
    }
    // Checked once here, so a bad default is a start-up error rather than every execution's.
    pipelineTimeout(options.defaultTimeout, 'defaultTimeout');
    const group = options.apiGroup ?? resources.pipelineRuns.group;
    const pipelineRunType = Object.freeze({ ...resources.pipelineRuns, group });
    const taskRunType = Object.freeze({ ...resources.taskRuns, group });
    const settings: PipelineRunSettings = {
      conventions,
      pipelineName,
      serviceAccountName: options.serviceAccountName ?? conventions.defaultServiceAccountName,
      securityProfile: options.securityProfile ?? 'restricted',
      podSecurityContext: options.podSecurityContext,
      defaultTimeout: options.defaultTimeout,
    };
    const logger = options.logger ?? noopLogger;
    const resultSettings: ResultSettings = {
      live: client,
      pipelineRunType,
      taskRunType,
      customRunType: customRunType(group),
      conventions,
      startupGraceMs: options.startupGraceMs ?? defaultStartupGraceMs,
      controllerGraceMs: options.controllerGraceMs ?? defaultControllerGraceMs,
      logger,
    };
    super(client, tektonEngineSpec(settings, pipelineRunType, resultSettings), {
      conventions,
      reader: options.reader,
      logger,
    });
    this.#pipelineRunType = pipelineRunType;
    this.#taskRunType = taskRunType;
    this.#startupGraceMs = resultSettings.startupGraceMs;
    this.#resultSettings = resultSettings;
    this.reads = Object.freeze([taskRunsRead(conventions, taskRunType)]);
  }

  static fromKubeConfig(
    config: ClusterConfig,
    options: TektonExecutorOptions = {},
  ): TektonExecutor {
    return new TektonExecutor(new KubeClient(config), options);
  }

  /**
   * Asks Tekton to stop this execution's PipelineRun by setting `spec.status`. Returns false
   * when there is nothing of this execution's to stop: the PipelineRun is gone, belongs to
   * another WorkflowExecution, or has already finished (Tekton's webhook refuses any spec change
   * to a finished run).
   */
  async cancel(
    wfe: WorkflowExecution,
    namespace: string,
    options: CancelOptions = {},
  ): Promise<boolean> {
    const name = this.resourceName(wfe);
    const run = await this.owned.getOwned(wfe, namespace, name, options);
    if (!run || isPipelineRunFinished(PipelineRunStateSchema.parse(run))) return false;
    const uid = run.metadata?.uid as string;
    try {
      const written = await this.client.patch<PipelineRunObject>(
        this.#pipelineRunType,
        namespace,
        name,
        cancelPatch(options.graceful, uid),
        { strategy: 'merge', signal: options.signal },
      );
      // A cleanup right after must not read a cached copy that predates this write.
      this.#cancelWrites.record(written);
    } catch (error) {
      if (isKubernetesError(error, 'NotFound') || isReplaced(error)) return false;
      // The webhook's refusal (400) when the run finished after the read above, or the read
      // came from a cache that had not seen it finish yet.
      if (
        isKubernetesError(error, 'BadRequest') &&
        (await this.#finished(namespace, name, uid, options.signal))
      ) {
        return false;
      }
      throw error;
    }
    this.logger.info(
      { namespace, pipelineRun: name, wfe: wfe.metadata.name, graceful: options.graceful },
      'requested PipelineRun cancellation',
    );
    return true;
  }

  /**
   * Deletes this execution's PipelineRun, as every engine's cleanup does, except while its
   * `finally` tasks still run after a graceful `cancel`: then it throws a retryable
   * `FinallyRunningError` and deletes nothing, so the step that releases what the workflow
   * took still runs. The wait ends when the run's own timeout would end it, or when nothing of
   * a run whose tasks never ran can start (`gracefulFinallyUntil`), after which the run goes
   * whatever it is doing. A graceful cancel written by anyone counts: the run is deleted only
   * as the copy decided on (see `deleteAsDecided`).
   */
  override async cleanup(
    wfe: WorkflowExecution,
    namespace: string,
    options: OperationOptions = {},
  ): Promise<void> {
    const name = this.resourceName(wfe);
    let run: KubeObject | null = await this.owned.getOwned(wfe, namespace, name, options);
    const uid = run?.metadata?.uid;
    for (let attempt = 1; run; attempt++) {
      const { pending, copy } = await this.#finallyWait(run, options);
      if (pending) throw pending;
      if (!copy) break;
      // Already going (a cleanup before this one, or someone else's delete): a delete as
      // decided would only meet the garbage collector's writes, as Conflicts; one that went in
      // the background or orphaning is still made to go in the foreground.
      if (copy.metadata?.deletionTimestamp) {
        await keepForeground(this.client, this.#pipelineRunType, copy, options.signal);
        break;
      }
      const deleted = await deleteAsDecided(this.client, this.#pipelineRunType, copy, {
        propagationPolicy: runDeletion,
        signal: options.signal,
        lastAttempt: attempt === maxDeleteAttempts,
      });
      if (deleted === 'deleted') {
        this.logger.debug(
          { namespace, name, kind: 'PipelineRun', wfe: wfe.metadata.name },
          'deleted PipelineRun',
        );
      }
      if (deleted !== 'changed') break;
      // Written since: perhaps by a user's or kubectl's graceful cancel, which Tekton (acting
      // on the stored spec.status) follows with the finally this decision did not see.
      run = await this.#sameRun(copy, options.signal);
    }
    this.#cancelWrites.forget(uid);
  }

  /**
   * The `FinallyRunningError` that holds this PipelineRun from deletion while a graceful
   * cancel's `finally` still runs (see `gracefulFinallyUntil`), or undefined when it may go now.
   * `cleanup` asks it; so may a controller that deletes a run no cleanup will (its
   * WorkflowExecution is gone), to wait by the same rule. `run` may come from a cache.
   */
  async finallyRunning(
    run: KubeObject,
    options: OperationOptions = {},
  ): Promise<FinallyRunningError | undefined> {
    // A child PipelineRun (a pipeline task that is a Pipeline) carries its parent's labels and
    // annotations, the execution's among them (createChildResourceLabels/Annotations, v1.15), so
    // a controller deleting what a gone execution left takes it for one of its runs: it may be
    // the parent's finally, and goes only as the parent may.
    const parentName = run.metadata?.labels?.[pipelineRunLabel];
    if (parentName === undefined) return (await this.#finallyWait(run, options)).pending;
    const parent = await this.reader.get<PipelineRunObject>(
      this.#pipelineRunType,
      run.metadata?.namespace ?? '',
      parentName,
      { signal: options.signal },
    );
    const same = parent?.metadata?.uid === run.metadata?.labels?.[pipelineRunUidLabel];
    return parent && same ? (await this.#finallyWait(parent, options)).pending : undefined;
  }

  /**
   * `finallyRunning`'s answer, with the copy of the run it was decided on (the API server's when
   * it read the run again), null when the run is gone or replaced.
   */
  async #finallyWait(
    run: KubeObject,
    options: OperationOptions,
  ): Promise<{ pending?: FinallyRunningError | undefined; copy: KubeObject | null }> {
    const namespace = run.metadata?.namespace ?? '';
    const name = run.metadata?.name ?? '';
    // A copy older than this executor's own cancel patch (a cache whose watch has not shown it
    // yet) may lack the graceful `spec.status` just written, and would let the run, its finally
    // with it, be deleted: the decision reads the run from the API server instead.
    const behind = this.#cancelWrites.isBehind(run);
    let copy = behind ? await this.#sameRun(run, options.signal) : run;
    if (!copy) return { copy };
    const reader = behind ? this.client : this.reader;
    let wait = await this.#gracefulWait(copy, namespace, reader, options.signal);
    if (wait && !wait.waits && reader !== this.client) {
      // A wait cut short kills the finally for good: a cache's word that nothing can start is
      // checked with the API server.
      copy = await this.#sameRun(run, options.signal);
      wait = copy
        ? await this.#gracefulWait(copy, namespace, this.client, options.signal)
        : undefined;
    }
    return wait?.waits
      ? { pending: new FinallyRunningError(namespace, name, wait.until, wait.now), copy }
      : { copy };
  }

  /** The watch's rule too: a controller deleting a run whose execution is gone waits for it. */
  protected override deletionPending(run: PipelineRunObject, options: OperationOptions) {
    return this.finallyRunning(run, options);
  }

  /**
   * The graceful wait for `run` (see `gracefulFinallyUntil`), its TaskRuns read from `reader`;
   * undefined when there is none to wait for. A run whose fields are not in Tekton's shapes says
   * nothing of a finally: it goes, rather than hold its target's lock for ever. TaskRuns that
   * cannot be read may be running the finally, so the run waits.
   */
  async #gracefulWait(
    run: KubeObject | null,
    namespace: string,
    reader: Reader,
    signal: AbortSignal | undefined,
  ): Promise<GracefulWait | undefined> {
    const read = GracefulRunSchema.safeParse(run);
    if (!run || !read.success) return undefined;
    const now = Date.now();
    const until = gracefulFinallyUntil(read.data, now);
    if (until === undefined) return undefined;
    const { taskRuns, unread } =
      childTaskRuns(read.data).length === 0
        ? { taskRuns: [], unread: undefined }
        : await readChildTaskRuns(run, read.data, {
            reader,
            live: this.client,
            taskRunType: this.#taskRunType,
            conventions: this.conventions,
            namespace,
            signal,
          });
    // Only while none of its children runs can a refused next TaskRun be what it waits for.
    const next = await readNextRunRefusal(run, read.data, taskRuns, this.#resultSettings, {
      reader,
      namespace,
      signal,
    });
    const children = {
      taskRuns: next?.taskRuns ?? taskRuns,
      events: next?.events,
      startupGraceMs: this.#startupGraceMs,
    };
    const waits =
      unread !== undefined || gracefulFinallyUntil(read.data, now, children) !== undefined;
    return { waits, until, now };
  }

  /**
   * `run` as the API server holds it now, or null when it is gone or the name belongs to another
   * run: nothing of this run is left to wait for, or to delete.
   */
  async #sameRun(run: KubeObject, signal: AbortSignal | undefined): Promise<KubeObject | null> {
    const uid = run.metadata?.uid;
    const live = await this.client.get<PipelineRunObject>(
      this.#pipelineRunType,
      run.metadata?.namespace ?? '',
      run.metadata?.name ?? '',
      { signal },
    );
    if (live && live.metadata?.uid === uid) {
      this.#cancelWrites.isBehind(live);
      return live;
    }
    this.#cancelWrites.forget(uid);
    return null;
  }

  /** Whether the PipelineRun with this uid has finished, read from the API server itself. */
  async #finished(
    namespace: string,
    name: string,
    uid: string,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const run = await this.client.get<PipelineRunObject>(this.#pipelineRunType, namespace, name, {
      signal,
    });
    return run?.metadata?.uid === uid && isPipelineRunFinished(PipelineRunStateSchema.parse(run));
  }
}

/** The API server's answer to a patch whose uid is not the object's: the run was replaced. */
function isReplaced(error: unknown): boolean {
  return (
    error instanceof KubernetesApiError &&
    error.reason === 'Invalid' &&
    error.causes.some((c) => c.field === 'metadata.uid')
  );
}
