import {
  type Informer,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  splitKey,
  updateStatus,
} from '@roundhouse/controller';
import {
  ConfigurationError,
  ExecutionForbiddenError,
  formatKubeTime,
  RoundhouseError,
  toFieldIssues,
} from '@roundhouse/core';
import {
  isKubernetesError,
  type KubeClient,
  type KubeObject,
  type Reader,
  resources,
} from '@roundhouse/kube';
import {
  type PodExecutor,
  type TaskRun,
  TaskRunSchema,
  type TaskRunStatus,
  TaskRunStatusSchema,
  TaskSchema,
  taskRuns,
  tasks,
} from '@roundhouse/pod';
import { taskRunExecution } from './execution.js';
import { InvalidParamsError, resolveSteps } from './params.js';
import { deletesPod, goesOnFresh, podEnded, stoppedReasons } from './pod-deletion.js';
import { inRunTerms, isLockError } from './predecessor-pod.js';
import { statusWithin } from './run-size.js';
import { type RunSettings, runSettings, type TimeoutLimits } from './run-spec.js';
import {
  graceLeftMs,
  heldRequeueMs,
  isFinished,
  markNotStarted,
  markPodDeleted,
  markRejected,
  markTimedOut,
  markWaiting,
  observePod,
  remainingMs,
} from './status.js';
import { inTaskTerms } from './task-fields.js';

export interface TaskRunReconcilerOptions {
  /** Writes status. */
  readonly client: KubeClient;
  /** Reads TaskRuns and Tasks; the controller's cache. */
  readonly reader: Reader;
  /**
   * The cache's TaskRun informer: each status write is cached as soon as it returns, so the
   * reconciles it wakes read it instead of a copy a watch event behind (read-your-writes).
   */
  readonly runs: Pick<Informer<KubeObject>, 'observe'>;
  /**
   * Whether the cache holds a Pod owned by the run with this key. A run without a Pod in its
   * status and none cached has its Pod created without a read first: asking the API server
   * about a Pod that is not there yet costs a request per run, and a create that finds one
   * adopts it.
   */
  readonly podCached: (key: string) => boolean;
  /** The pod engine, owning each Pod by its TaskRun and reading through the same cache. */
  readonly executor: PodExecutor;
  /**
   * A TaskRun whose Task does not exist: `fail` it with TaskNotFound (default), or `wait` in
   * Pending with that reason until the Task is created.
   */
  readonly missingTask?: 'fail' | 'wait' | undefined;
  /** A run's timeout when it sets none, and the longest it may set; default 1h and 24h. */
  readonly timeouts?: TimeoutLimits | undefined;
  readonly now?: (() => Date) | undefined;
}

type Compute = (status: TaskRunStatus | undefined) => TaskRunStatus | undefined;

/**
 * Drives a TaskRun: find its Task, resolve the params, create the Pod (the pod engine, through
 * the Executor contract), and from then on derive the status from the Pod on every reconcile,
 * so a failed status write never leaves a run without a phase. A run past its timeout fails
 * with TimedOut and its Pod is deleted; deleting the run deletes the Pod (ownerReference).
 */
export class TaskRunReconciler implements Reconciler {
  readonly #o: TaskRunReconcilerOptions & { readonly now: () => Date };

  constructor(options: TaskRunReconcilerOptions) {
    this.#o = { now: () => new Date(), ...options };
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    const { reader, executor, podCached } = this.#o;
    const signal = ctx.signal;
    const { namespace: keyNamespace, name } = splitKey(key);
    const object = await reader.get<KubeObject>(taskRuns, keyNamespace, name, { signal });
    // Gone or going: the garbage collector deletes its Pod.
    if (!object || object.metadata?.deletionTimestamp) return undefined;
    const parsed = TaskRunSchema.safeParse(object);
    if (!parsed.success) {
      const message = toFieldIssues(parsed.error, '', object)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ');
      await this.#write(object, (s) => markRejected(s, 'InvalidSpec', message, this.#o.now()), ctx);
      return undefined;
    }
    const run = parsed.data;
    const namespace = run.metadata.namespace;
    const identity = taskRunExecution(run);
    if (isFinished(run.status)) {
      // A run failed while its Pod went on (its timeout, a step that could not start, a
      // parallel step that failed beside one still waiting) may have that Pod still going: a
      // crash, or a delete that failed, came between the write and the delete below. One
      // failed for a status too large to store has its Pod deleted here. Deleting is
      // idempotent; for other reasons, only on the API server's word (see goesOnFresh).
      if (run.status?.phase === 'Failed' && podCached(key)) {
        const read = (fresh: boolean) =>
          executor.getStepStatus(identity, namespace, { signal, fresh });
        if (stoppedReasons.has(run.status.reason ?? '') || (await goesOnFresh(read)))
          await executor.cleanup(identity, namespace, { signal });
      }
      return undefined;
    }
    let settings: RunSettings;
    try {
      settings = runSettings(run.spec, this.#o.timeouts);
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      await this.#write(
        object,
        (s) => markRejected(s, 'InvalidSpec', error.message, this.#o.now()),
        ctx,
      );
      return undefined;
    }
    const { timeoutMs } = settings;
    // A Pod named in the status but missing from the cache is asked of the API server before
    // the run fails for it: the cache may not have seen it yet.
    const cached =
      run.status?.podName || podCached(key)
        ? await executor.getStepStatus(identity, namespace, { signal })
        : null;
    // What would delete the Pod is read again from the API server first (see deletesPod), and
    // what it shows decides: a run that finished just before its deadline keeps its outcome.
    const pod =
      cached && deletesPod(cached, run.status?.startTime, timeoutMs, this.#o.now())
        ? await executor.getStepStatus(identity, namespace, { signal, fresh: true })
        : cached;
    if (!pod) {
      if (run.status?.podName) {
        const { podName } = run.status;
        await this.#write(object, (s) => markPodDeleted(s, podName, this.#o.now()), ctx);
        return undefined;
      }
      // Held without a Pod past its deadline (its Task missing, its Pod refused for now): a
      // timeout that waited for the Pod would let a run wait for ever.
      const now = this.#o.now();
      if (run.status?.startTime && remainingMs(run.status.startTime, timeoutMs, now) <= 0) {
        await this.#write(object, (s) => markNotStarted(s, settings.timeout, now), ctx);
        return undefined;
      }
      // The Pod's add event brings the run back here to write what the Pod shows.
      return this.#start(object, run, settings, ctx);
    }
    const now = this.#o.now();
    const ending = pod.result.phase === 'Completed' || pod.result.phase === 'Failed';
    const left = ending
      ? undefined
      : remainingMs(run.status?.startTime ?? pod.createdAt, timeoutMs, now);
    if (left !== undefined && left <= 0) {
      const observed = pod;
      await this.#write(object, (s) => markTimedOut(s, observed, settings.timeout, now), ctx);
      await executor.cleanup(identity, namespace, { signal });
      return undefined;
    }
    const observed = pod;
    await this.#write(object, (s) => observePod(s, observed, now), ctx);
    if (pod.result.phase === 'Failed' && !podEnded(pod)) {
      // Failed while its Pod goes on (a step that cannot start, past its grace): the kubelet
      // keeps trying, and the steps would run once the cause passed, after the run said it
      // failed. Deleted, as Tekton's failTaskRun deletes the Pod of a run it fails.
      await executor.cleanup(identity, namespace, { signal });
      return undefined;
    }
    // When a waiting step's grace ends (counted from when it began to wait, not from the Pod's
    // creation), the run is looked at again: no Pod change would bring a step that cannot start
    // back here.
    const grace = ending ? undefined : graceLeftMs(pod.startupGraceEndsAt, now);
    const after = Math.min(left ?? Number.POSITIVE_INFINITY, grace ?? Number.POSITIVE_INFINITY);
    return Number.isFinite(after) ? { requeueAfter: after } : undefined;
  }

  /**
   * Creates the run's Pod; when it cannot be created, the run is failed, or held, with the
   * reason in its status, and looked at again by its deadline (see `heldRequeueMs`). `object`
   * is the run as cached, which holds every status this controller wrote (see `runs`), so a
   * finished run's deleted Pod is never created again.
   */
  async #start(
    object: KubeObject,
    run: TaskRun,
    settings: RunSettings,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult | undefined> {
    const { client, reader, executor } = this.#o;
    const { namespace, name, uid } = run.metadata;
    const signal = ctx.signal;
    if (ctx.attempt > 0) {
      // The last reconcile of this run failed, perhaps on a status write that landed without
      // an answer, which the cache then lacks: the run is read, so a Pod is created only for a
      // run whose status shows none was (a finished run's deleted Pod is never created again).
      const live = await client.get<KubeObject>(taskRuns, namespace, name, { signal });
      const status = live ? statusOf(live) : undefined;
      if (!live || live.metadata?.uid !== uid || status?.podName || isFinished(status))
        return undefined;
    }
    const taskName = run.spec.taskRef.name;
    const taskObject = await reader.get<KubeObject>(tasks, namespace, taskName, { signal });
    const now = this.#o.now();
    const { startTime } = run.status ?? {};
    if (!taskObject) {
      const message = `Task ${namespace}/${taskName} does not exist`;
      const wait = this.#o.missingTask === 'wait';
      await this.#write(
        object,
        (s) =>
          wait
            ? markWaiting(s, 'TaskNotFound', `${message}; waiting for it to be created`, now)
            : markRejected(s, 'TaskNotFound', message, now),
        ctx,
      );
      // Its Task's creation wakes it; its deadline does too.
      return wait
        ? { requeueAfter: heldRequeueMs(startTime, settings.timeoutMs, now, false) }
        : undefined;
    }
    const task = TaskSchema.safeParse(taskObject);
    if (!task.success) {
      const message = `Task ${namespace}/${taskName} is invalid: ${toFieldIssues(
        task.error,
        '',
        taskObject,
      )
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ')}`;
      await this.#write(object, (s) => markRejected(s, 'InvalidTask', message, now), ctx);
      return undefined;
    }
    let created: Awaited<ReturnType<PodExecutor['createResource']>>;
    try {
      const steps = resolveSteps(task.data.spec, run.spec, run.metadata);
      // A run held before its Pod could be created keeps its deadline: the Pod's is what is left.
      const timesOutAt = startTime
        ? formatKubeTime(new Date(Date.parse(startTime) + settings.timeoutMs))
        : undefined;
      const execution = taskRunExecution(run, steps, settings.timeout, timesOutAt);
      created = await executor.createResource(execution, namespace, { signal });
    } catch (thrown) {
      if (signal.aborted) throw thrown;
      // Whose Pod holds the name decides what the run waits for (see inRunTerms).
      const holder = isLockError(thrown)
        ? await reader.get<KubeObject>(resources.pods, namespace, thrown.resourceName, { signal })
        : null;
      const error = inRunTerms(inTaskTerms(thrown), { namespace, name, uid }, holder);
      const reason = rejection(error);
      const message = error instanceof Error ? error.message : String(error);
      if (reason) {
        await this.#write(object, (s) => markRejected(s, reason, message, now), ctx);
        return undefined;
      }
      // Tried again (a quota, a lock a previous run's Pod still holds), shown meanwhile, by a
      // requeue of the run's own rather than the workqueue's backoff, which grows to 1000 s and
      // would come back long past a deadline nearer than that.
      const waiting = error instanceof RoundhouseError ? error.reason : 'PodCreateFailed';
      await this.#write(object, (s) => markWaiting(s, waiting, message, now), ctx);
      ctx.logger.info(
        { reason: waiting, message },
        "the run's Pod cannot be created yet; retrying",
      );
      return { requeueAfter: heldRequeueMs(startTime, settings.timeoutMs, now, true) };
    }
    await this.#recordPod(object, namespace, created, ctx);
    return undefined;
  }

  /**
   * Names the Pod just created (or adopted) in the run's status at once, as the create's answer
   * shows it, rather than when its add event comes: until a status names it, a Pod deleted (by
   * someone, an eviction, a drain) leaves no trace, and the run would be started again with a
   * second Pod after its steps had run in the first. Once named, a Pod that is gone fails the
   * run with PodDeleted when its delete event brings the run back. Not read back: the cache
   * rarely holds the Pod yet, so the read would cost the API server a request per run. One
   * adopted on its way out (kept by its finalizer) fails the run at once.
   */
  async #recordPod(
    object: KubeObject,
    namespace: string,
    created: { readonly resourceName: string; readonly object: KubeObject },
    ctx: ReconcileContext,
  ) {
    const { signal } = ctx;
    const pod = await this.#o.executor.stepStatusOf(created.object, namespace, { signal });
    const now = this.#o.now();
    await this.#write(
      object,
      (s) => (pod ? observePod(s, pod, now) : markPodDeleted(s, created.resourceName, now)),
      ctx,
    );
  }

  /**
   * Writes what was decided about `target`, the run as cached, onto that very version of it:
   * without a read first, and conditionally on its resourceVersion, so a copy that moved on
   * costs a conflict and a fresh read. Only onto that very run: the cache may still hand out a
   * deleted run while a new one of the same name exists, and a decision about the old one (its
   * Pod is gone) must not land on the new one, whose own events reconcile it. A status the run
   * cannot hold is written as its failure instead (`statusWithin`), which the API server stores.
   */
  async #write(target: KubeObject, compute: Compute, ctx: ReconcileContext) {
    const written = await updateStatus<KubeObject>(
      this.#o.client,
      taskRuns,
      target.metadata?.namespace,
      target.metadata?.name as string,
      (current) => statusWithin(current, compute(statusOf(current)), this.#o.now()),
      // `statusOf` parses into a copy of its own and the transitions are pure.
      { signal: ctx.signal, current: target, uid: target.metadata?.uid, copy: false },
    );
    if (written) this.#o.runs.observe(written);
  }
}

/** The object's status; one no writer of ours could have made reads as none, and is replaced. */
function statusOf(object: KubeObject): TaskRunStatus | undefined {
  const status = TaskRunStatusSchema.safeParse(object.status ?? {});
  return status.success ? status.data : undefined;
}

/** The status reason for an error that no retry can cure, by its class; undefined for others. */
function rejection(error: unknown): string | undefined {
  if (error instanceof InvalidParamsError) return error.reason;
  if (error instanceof ExecutionForbiddenError) return error.reason;
  if (error instanceof ConfigurationError) return 'InvalidTask';
  // The API server refused the Pod as built from this Task (invalid, or a policy webhook's
  // denial, which the API server answers 400 when the webhook gave no code of its own):
  // sending it again cannot help.
  if (isKubernetesError(error, 'Invalid') || isKubernetesError(error, 'BadRequest'))
    return 'PodInvalid';
  return undefined;
}
