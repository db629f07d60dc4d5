import {
  type Availability,
  ConventionsMismatchError,
  type CreateOptions,
  type CreateResult,
  type ExecutionResult,
  type Executor,
  isTerminalPhase,
  type Logger,
  type LogLine,
  type LogOptions,
  noopLogger,
  type OperationOptions,
  throwIfAborted,
  type WorkflowExecution,
} from '@roundhouse/core';
import type { KubeClient } from '@roundhouse/kube';
import { AwxApiError, AwxError } from './awx-errors.js';
import type { AnsibleExecutorAwx } from './awx-roles.js';
import { DependencyReader } from './dependency-reader.js';
import { EphemeralCredentials } from './ephemeral-credentials.js';
import { ExecutionCleanup } from './execution-cleanup.js';
import { ExecutionCreate } from './execution-create.js';
import { executionIdentity } from './execution-identity.js';
import { ExecutionJobs } from './execution-jobs.js';
import { ExecutionLock } from './execution-lock.js';
import { type AnsibleExecutorOptions, parseExecutorOptions } from './executor-options.js';
import { JobLaunch } from './job-launch.js';
import { jobOutput } from './job-output.js';
import { JobReport } from './job-report.js';
import { KubernetesApiAccess } from './kubernetes-api-access.js';
import type { LaunchLock, LaunchRecord } from './launch-record.js';
import { withinBound } from './operation-bound.js';
import { OutputScrubber } from './output-scrubber.js';
import { TemplateCatalog } from './template-catalog.js';

/** The engine name, matched against `spec.executionEngine`. */
export const ansibleEngine = 'ansible';

/**
 * The `ansible` engine: launches an AWX / AAP job template with the execution's parameters as
 * typed extra_vars and its Secrets as credentials that exist only for this execution.
 *
 * Like every other engine it holds a lock per target in the execution namespace (a Lease named
 * by the target), taken before anything happens in AWX; the lock also holds the launch record,
 * so one execution launches at most once even across crashes, lost answers and concurrent
 * creates, and cleanup finds everything the execution made.
 */
export class AnsibleExecutor implements Executor {
  readonly engine = ansibleEngine;
  readonly #awx: AnsibleExecutorAwx;
  readonly #jobs: ExecutionJobs;
  readonly #lock: ExecutionLock;
  readonly #create: ExecutionCreate;
  readonly #cleanup: ExecutionCleanup;
  readonly #report: JobReport;
  readonly #scrubber: OutputScrubber;
  readonly #log: Logger;
  /** `operationTimeoutMs`: the bound of each operation. */
  readonly #timeoutMs: number;

  /**
   * `kube` reads the execution's Secrets and ConfigMaps and keeps the lock, a Lease, in the
   * execution namespace (get, create, update, delete); with `kubernetesApi`, it also creates
   * `serviceaccounts/token` there.
   */
  constructor(awx: AnsibleExecutorAwx, kube: KubeClient, options: AnsibleExecutorOptions = {}) {
    this.#awx = awx;
    const settings = parseExecutorOptions(options);
    const log = options.logger ?? noopLogger;
    this.#log = log;
    this.#timeoutMs = settings.operationTimeoutMs;
    this.#report = new JobReport(awx, settings, log);
    const catalog = new TemplateCatalog(awx, settings.cacheTtlMs, settings.now);
    const credentials = new EphemeralCredentials(awx, settings, log);
    this.#jobs = new ExecutionJobs(awx, catalog, settings, log);
    this.#lock = new ExecutionLock(kube, ansibleEngine, settings, log);
    const launch = new JobLaunch(awx, { catalog, credentials, jobs: this.#jobs }, settings, log);
    const parts = { awx, lock: this.#lock, catalog, jobs: this.#jobs, credentials };
    const { kubernetesApi } = settings;
    const dependencies = new DependencyReader(kube);
    this.#scrubber = new OutputScrubber(dependencies);
    this.#create = new ExecutionCreate(
      {
        ...parts,
        dependencies,
        launch,
        kubernetesApi: kubernetesApi
          ? new KubernetesApiAccess(awx, kube, { ...settings, kubernetesApi }, log)
          : undefined,
      },
      settings,
      log,
    );
    this.#cleanup = new ExecutionCleanup(parts, settings, log);
  }

  /**
   * Unavailable, with the reason, while AWX cannot be reached or refuses the token. A 404 of
   * `me/` means no AWX API is served at the client's API root: the reason names the other
   * prefix, since AAP 2.5 and later serve the controller's API only behind their gateway's.
   */
  async availability(options: OperationOptions = {}): Promise<Availability> {
    try {
      await withinBound('availability check of AWX', this.#timeoutMs, options.signal, (signal) =>
        this.#awx.me({ signal }),
      );
      return { available: true };
    } catch (error) {
      if (!(error instanceof AwxError)) throw error;
      const { apiUrl } = this.#awx;
      const hint =
        error instanceof AwxApiError && error.statusCode === 404 ? prefixHint(apiUrl) : '';
      return { available: false, reason: `AWX at ${apiUrl}: ${error.message}${hint}` };
    }
  }

  create(
    wfe: WorkflowExecution,
    namespace: string,
    options: CreateOptions = {},
  ): Promise<CreateResult> {
    return this.#create.run(wfe, namespace, options);
  }

  /**
   * The job `executionRef` names, or without one the job the lock records. A job that reached
   * its end marks the lock finished, so another execution waiting for the target sees it
   * awaiting cleanup rather than busy.
   */
  getStatus(
    wfe: WorkflowExecution,
    namespace: string,
    options: OperationOptions = {},
  ): Promise<ExecutionResult | null> {
    throwIfAborted(options.signal, `get ansible execution status of ${describe(wfe)}`);
    return withinBound(
      `status of ansible execution of ${describe(wfe)}`,
      this.#timeoutMs,
      options.signal,
      (signal) => this.#status(wfe, namespace, signal),
    );
  }

  async #status(
    wfe: WorkflowExecution,
    namespace: string,
    signal: AbortSignal,
  ): Promise<ExecutionResult | null> {
    // Read once, when first needed: to find the job, else to scrub or to mark it finished.
    let found: HeldLock | undefined =
      wfe.status?.executionRef === undefined
        ? await this.#lock.find(wfe, namespace, signal)
        : undefined;
    const lock = async () => {
      // Not `??=`: a read that found no lock (null) is not read again.
      if (found === undefined) found = await this.#lock.find(wfe, namespace, signal);
      return found;
    };
    const job = await this.#jobs.reported(wfe, executionIdentity(wfe), found?.record, signal);
    if (!job) return null;
    const scrub = async () => this.#scrubber.of((await lock())?.record, namespace, signal);
    const result = await this.#report.result(job, scrub, signal);
    if (isTerminalPhase(result.phase)) await this.#markFinished(wfe, lock, signal);
    return result;
  }

  /**
   * Cancels this execution's job if AWX may still run it, deletes this execution's
   * credentials, then its lock. The job stays in AWX's history. Idempotent; a job or
   * credential of another execution is never touched.
   */
  cleanup(
    wfe: WorkflowExecution,
    namespace: string,
    options: OperationOptions = {},
  ): Promise<void> {
    return this.#cleanup.run(wfe, namespace, options);
  }

  /**
   * The output of this execution's AWX job (its stdout), followed while the job runs when
   * `follow` is set, scrubbed of what the job was given, or withheld when that is not known.
   * Nothing when no job of this execution exists.
   */
  async *logs(
    wfe: WorkflowExecution,
    namespace: string,
    options: LogOptions = {},
  ): AsyncGenerator<LogLine> {
    const operation = `log read of ansible execution of ${describe(wfe)}`;
    // Bounded up to the first line: a read without `follow` is all read by then, and a follow
    // goes on, a poll at a time, for as long as its caller reads.
    const start = await withinBound(operation, this.#timeoutMs, options.signal, async (signal) => {
      const found =
        wfe.status?.executionRef === undefined
          ? await this.#lock.find(wfe, namespace, signal)
          : undefined;
      const job = await this.#jobs.reported(wfe, executionIdentity(wfe), found?.record, signal);
      if (!job) return undefined;
      const held = found === undefined ? await this.#lock.find(wfe, namespace, signal) : found;
      const scrub = await this.#scrubber.of(held?.record, namespace, signal);
      if (options.follow) return { job, scrub, lines: undefined };
      const lines: LogLine[] = [];
      for await (const line of jobOutput(this.#awx, job.id, scrub, { ...options, signal })) {
        lines.push(line);
      }
      return { job, scrub, lines };
    });
    if (!start) return;
    if (start.lines) {
      yield* start.lines;
      return;
    }
    yield* jobOutput(this.#awx, start.job.id, start.scrub, options);
  }

  /**
   * The lock's finished mark only decides how another execution waits: never worth failing for,
   * unless the lock was made under the other conventions preset. That is no passing failure of
   * the mark but a controller that cannot clean up this execution, so the status says so (as a
   * failed job's status does, which reads the lock to scrub its output, and as the other engines'
   * status reads do); a running job's status answers without the lock, and its cleanup says it.
   */
  async #markFinished(
    wfe: WorkflowExecution,
    lock: () => Promise<HeldLock>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    try {
      await this.#lock.markFinished(await lock(), signal);
    } catch (error) {
      if (error instanceof ConventionsMismatchError) throw error;
      this.#log.warn(
        {
          wfe: `${wfe.metadata.namespace}/${wfe.metadata.name}`,
          reason: error instanceof Error ? error.name : 'unknown',
        },
        'could not mark the lock of a finished AWX job',
      );
    }
  }
}

/** This execution's lock as read, or `null` when it has none. */
type HeldLock = { readonly lock: LaunchLock; readonly record: LaunchRecord } | null;

function describe(wfe: WorkflowExecution): string {
  return `WorkflowExecution ${wfe.metadata.namespace}/${wfe.metadata.name}`;
}

const aapPrefix = '/api/controller/v2/';

/** What a 404 of `me/` at `apiUrl` suggests: the API prefix of the other kind of controller. */
function prefixHint(apiUrl: string): string {
  const aap = new URL(apiUrl).pathname.endsWith(aapPrefix);
  return aap
    ? "; AWX, and AAP before 2.5, serve the API under /api/v2/: set the client's apiPrefix to it"
    : `; AAP 2.5 and later serve the controller's API under ${aapPrefix}: set the client's apiPrefix to it`;
}
