import {
  type Conventions,
  type Dependencies,
  type ExecutionRead,
  type ExecutionResult,
  graceRecheckAfterMs,
  type Logger,
  type OperationOptions,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import {
  type ClusterConfig,
  deleteAsRead,
  KubeClient,
  type KubeObject,
  type Reader,
  type ResourceEngine,
  ResourceExecutor,
  resources,
  type StatusContext,
} from '@roundhouse/kube';
import { cachedJob } from './job-cache.js';
import { jobPodStates, jobPodsRead } from './job-pods.js';
import { buildJob, type JobSettings, jobEngine, workflowContainerName } from './job-spec.js';
import { readJobFailure } from './lagging-pod-cache.js';
import { isManagedElsewhere } from './managed-elsewhere.js';
import { withMountFailure } from './mount-failures.js';
import {
  executionPodsSelector,
  isOrphanedPodOf,
  OrphanedPodsStoppingError,
} from './orphaned-pods.js';
import { readOwnStartFailure } from './own-start-failure.js';
import {
  hasCreatedPods,
  isJobFinished,
  JobStateSchema,
  jobResult,
  withSummaryMessage,
} from './status.js';
import {
  type EventState,
  EventStateSchema,
  explainStuckStart,
  isStarting,
  podlessRecheckMs,
  startingPodRecheckMs,
} from './stuck-start.js';
import { isJobSuspended } from './suspended-job.js';
import { readVanishedJob } from './vanished-job.js';

export interface JobExecutorOptions
  extends Partial<
    Omit<JobSettings, 'conventions' | 'serviceAccountName' | 'ttlSecondsAfterFinished'>
  > {
  /**
   * How long the API server keeps a finished Job; default 600 s. `null` for no TTL: the Job
   * stays until `cleanup` deletes it, for a controller that must find it after any outage.
   */
  readonly ttlSecondsAfterFinished?: number | null | undefined;
  readonly conventions?: Conventions | undefined;
  /** Default service account for Jobs; the conventions' default when unset. */
  readonly serviceAccountName?: string | undefined;
  /** Where status reads go; pass a controller's informer cache. Default the client. */
  readonly reader?: Reader | undefined;
  /**
   * How long a Job may take to get a ready pod before its pods and events are read to see
   * whether it can start at all (a pull that cannot succeed, a pod the Job controller may not
   * create). Default 15 s.
   */
  readonly startupGraceMs?: number | undefined;
  readonly logger?: Logger | undefined;
}

type JobObject = KubeObject & { status?: unknown };

/** The Job's own Events (the Job controller's FailedCreate among them), read live. */
async function readJobEvents(job: JobObject, context: StatusContext): Promise<EventState[]> {
  const { items } = await context.reader.list<KubeObject>(resources.events, context.namespace, {
    fieldSelector: `involvedObject.uid=${job.metadata?.uid}`,
    signal: context.signal,
  });
  return items.map((e) => EventStateSchema.parse(e));
}

/**
 * The Job engine's own part: the Job it builds and how a Job (and its pods) read. `client` is the
 * API server, which a failure the cache cannot explain is read from (see `readJobFailure`).
 */
function jobEngineSpec(
  settings: JobSettings,
  startupGraceMs: number,
  client: KubeClient,
): ResourceEngine<JobObject> {
  return {
    engine: jobEngine,
    type: resources.jobs,
    defaultTimeout: settings.defaultTimeout,
    build: (wfe: WorkflowExecution, namespace: string, dependencies: Dependencies | undefined) =>
      buildJob(wfe, namespace, dependencies, settings) as JobObject,
    // Said rather than dropped in silence: an author who wrote a service account, a pod template
    // or a command there would otherwise believe it applied. An embedding controller's command
    // may read it.
    unusedFields: (wfe) =>
      wfe.spec.workflowRef.engineConfig !== undefined && !settings.containerCommand
        ? [
            'spec.workflowRef.engineConfig is not used by the job engine: the Job runs the bundle image as it is, with the parameters in its environment',
          ]
        : [],
    // A controller's cache holds each Job without its pod template, which carries every
    // parameter: nothing reads it back once the Job exists.
    watchTransform: cachedJob,
    isFinished: (job) => isJobFinished(JobStateSchema.parse(job)),
    vanished: (wfe, name, context) => readVanishedJob(name, wfe.status?.startTime, context),
    logSources: (job) => ({
      labelSelector: `batch.kubernetes.io/controller-uid=${job.metadata?.uid}`,
      containers: [workflowContainerName],
    }),
    async result(job, context: StatusContext): Promise<ExecutionResult> {
      const state = JobStateSchema.parse(job);
      const result = jobResult(state);
      if (result.phase === 'Failed') {
        // A failure needs the pods: their terminated states say why (OOMKilled, exit code).
        const {
          result: failed,
          pods,
          context: source,
        } = await readJobFailure(state, context, client, settings.conventions);
        if (failed.exitCode !== undefined) return failed;
        // No container ran to an exit code: a volume that could not be mounted says why only
        // in the kubelet's events, so they are read, once, for this failure alone.
        // The Job controller deleted a pod that never started at the deadline: only the
        // scheduler's event is left to say that no node took it, and the Job's own events (or,
        // once they have expired, the pod's name) that the pod was the Job's.
        // A Job that never had a pod (its deadline passed within the startup grace while the
        // API server refused every one) is explained by the Job controller's FailedCreate.
        const jobEvents = await readJobEvents(job, source);
        const mount = hasCreatedPods(state)
          ? await readOwnStartFailure(job, pods, jobEvents, source)
          : explainStuckStart([], jobEvents)?.description;
        if (!mount) return failed;
        // kubernaut's summary carries the failure's message, the event's included.
        const explained = withMountFailure(failed, mount);
        return { ...explained, summary: withSummaryMessage(failed.summary, explained.message) };
      }
      if (result.phase !== 'Running' || (state.status?.ready ?? 0) > 0) return result;
      // A suspended Job tries no pod until it is resumed: a FailedCreate from before says
      // nothing of whether it can start then, and reading for one would cost a request on
      // every status read for as long as a queue holds it.
      if (isJobSuspended(state)) return result;
      // Nothing here starts its pod, so nothing here says whether it can.
      if (isManagedElsewhere(state)) return result;
      const created = Date.parse(state.metadata?.creationTimestamp ?? '');
      // Within the grace the Job may be quiet till it ends (the Job controller writes nothing
      // more about a pod it keeps failing to create): its end is when to look again.
      const now = Date.now();
      const recheckAfterMs = graceRecheckAfterMs(created + startupGraceMs, now);
      if (recheckAfterMs !== undefined) return { ...result, recheckAfterMs };
      if (!(now - created >= startupGraceMs)) return result;
      // Not started after the grace period: find out whether it ever can, so an execution
      // whose pod cannot be created or pulled fails with the cause instead of at its deadline.
      const pods = await jobPodStates(job, context, settings.conventions);
      // No pod waiting although the Job has pods: they run, or have just finished. A Job without
      // any may have failed to create one, which only its Events tell. Neither source says so
      // alone: the cache leaves running pods out, and the Job counts a pod it created only at
      // its next status write, which a busy Job controller makes late; a pod of the Job in the
      // cache, in any phase it holds, shows the create went through.
      const withoutPod = pods.length === 0 && !hasCreatedPods(state);
      const events = withoutPod ? await readJobEvents(job, context) : [];
      const stuck = explainStuckStart(pods, events);
      // A pod still on its way may yet wait for good (a pull that fails once the image is
      // found gone, a Secret deleted meanwhile), which changes nothing on the Job: looked at
      // again soon, from the controller's cache of pods, instead of at its resync.
      // A Job with no pod yet may be refused one later (a quota filled meanwhile, a webhook
      // that answers at last and denies): the Job controller's failed create leaves its status
      // as it was (syncJob writes it only when its counters or conditions change), so only its
      // next FailedCreate says so, and only a look at its Events, one request, finds it: made
      // less often the longer the Job has been without a pod.
      if (!stuck) {
        if (withoutPod)
          return { ...result, recheckAfterMs: podlessRecheckMs(now - created - startupGraceMs) };
        return isStarting(pods) ? { ...result, recheckAfterMs: startingPodRecheckMs } : result;
      }
      return {
        phase: 'Failed',
        reason: 'StartFailed',
        message: stuck.description,
        // kubernaut's summary of a Job always counts its one task.
        summary: {
          ...result.summary,
          status: 'False',
          reason: 'StartFailed',
          message: stuck.description,
        },
        failureReason: stuck.reason,
        started: result.started ?? false,
      };
    },
  };
}

/**
 * The `job` engine: one batch/v1 Job per execution, named for the target's lock. Safe to call
 * again after a crash: create adopts this execution's own Job, and cleanup deletes only a Job
 * this execution owns.
 */
export class JobExecutor extends ResourceExecutor<JobObject> {
  /**
   * The Job's pods that have not started or have failed, which a status check reads once a Job
   * has had no ready pod for the startup grace period and when it failed: a controller caches
   * them, trimmed to what those reads need, so neither costs a request (but for a Job failed
   * before the cache has seen any of its pods fail: see `mayLagJobFailure`).
   */
  readonly reads: readonly ExecutionRead[];

  constructor(client: KubeClient, options: JobExecutorOptions = {}) {
    const conventions = options.conventions ?? roundhouseConventions;
    const { reader, logger, startupGraceMs, ...jobOptions } = options;
    const settings: JobSettings = {
      ...jobOptions,
      conventions,
      serviceAccountName: options.serviceAccountName ?? conventions.defaultServiceAccountName,
      ttlSecondsAfterFinished:
        options.ttlSecondsAfterFinished === null
          ? undefined
          : (options.ttlSecondsAfterFinished ?? 600),
      securityProfile: options.securityProfile ?? 'restricted',
    };
    super(client, jobEngineSpec(settings, startupGraceMs ?? 15_000, client), {
      conventions,
      reader,
      logger,
    });
    this.reads = Object.freeze([jobPodsRead(conventions)]);
  }

  /**
   * Deletes this execution's Job; when it was gone already, any of its pods that outlived
   * a Job deleted with `propagationPolicy: Orphan`: nothing else stops them, and the workflow in
   * them would act on the target after the lock is released. Each pod is deleted as read (its uid), and cleanup
   * throws `OrphanedPodsStoppingError` until none is left, so the lock stays while one still
   * runs or terminates. Read live: the controller's cache holds no running pod.
   */
  override async cleanup(
    wfe: WorkflowExecution,
    namespace: string,
    options: OperationOptions = {},
  ): Promise<void> {
    // This delete of the Job propagates to its pods; only a Job gone before cleanup (its name
    // free, or another execution's Job under it now), deleted by someone else maybe orphaning
    // them, can have left pods of this execution's to look for: a request only then.
    if ((await this.deleteResource(wfe, namespace, options)) === 'deleted') return;
    const { items } = await this.client.list<KubeObject>(resources.pods, namespace, {
      labelSelector: executionPodsSelector(wfe, this.resourceName(wfe), this.conventions),
      signal: options.signal,
    });
    const orphans = items.filter((pod) => isOrphanedPodOf(pod, wfe, this.conventions));
    if (orphans.length === 0) return;
    for (const pod of orphans) {
      if (pod.metadata?.deletionTimestamp) continue;
      const outcome = await deleteAsRead(this.client, resources.pods, pod, {
        signal: options.signal,
      });
      if (outcome !== 'deleted') continue;
      this.logger.info(
        { namespace, name: pod.metadata?.name, kind: 'Pod', wfe: wfe.metadata.name },
        "deleted this execution's pod that outlived its Job",
      );
    }
    throw new OrphanedPodsStoppingError(
      namespace,
      orphans.map((pod) => pod.metadata?.name as string),
    );
  }

  static fromKubeConfig(config: ClusterConfig, options: JobExecutorOptions = {}): JobExecutor {
    return new JobExecutor(new KubeClient(config), options);
  }
}
