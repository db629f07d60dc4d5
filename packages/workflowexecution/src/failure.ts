import {
  ConfigurationError,
  DeadlinePassedError,
  ExecutionForbiddenError,
  type ExecutionResult,
  type FailureReason,
  PreviousExecutionNotCleanedError,
  QuotaExceededError,
  ResourceLockedError,
  RoundhouseError,
  UnsupportedEngineError,
} from '@roundhouse/core';

/**
 * Why a finished execution failed. The engine classifies its own failures (it sees the
 * structured cause: a container's terminated reason, a Job condition, an AWX job status); an
 * engine that gives no classification reads as Unknown rather than as a guess made here.
 */
export function classifyResult(result: ExecutionResult): FailureReason {
  return result.failureReason ?? 'Unknown';
}

/**
 * Failures that mean the workflow's own code never ran although its execution resource was
 * created: its image could not be pulled, the engine refused its definition, or there was no
 * quota for its pod. kubernaut counts these as no execution failure even once its PipelineRun
 * started.
 */
const notRun: ReadonlySet<FailureReason> = new Set([
  'ImagePullBackOff',
  'ConfigurationError',
  'ResourceExhausted',
]);

/**
 * Failures that prove the workflow ran even when the engine saw no sign of its resource
 * starting: kubernaut's list for a PipelineRun with no start time and no child runs.
 */
const provesRun: ReadonlySet<FailureReason> = new Set([
  'OOMKilled',
  'DeadlineExceeded',
  'Forbidden',
  'TaskFailed',
]);

/**
 * Whether a failure the engine reported happened while the workflow itself ran (kubernaut's
 * determineWasExecutionFailure). `started` is the engine's evidence (ExecutionResult.started):
 * a resource that began running failed during execution unless the reason says the workflow
 * never did; one that never began did only for a reason that proves it ran; without evidence
 * either way the reason alone decides, as for a started one.
 */
export function ranWorkflow(reason: FailureReason, started?: boolean): boolean {
  if (started === false) return provesRun.has(reason);
  return !notRun.has(reason);
}

/**
 * Whether a failure leaves a resource that may still start the workflow later, so its removal
 * cannot wait for the cooldown: the engine gave up on a start that its own controller keeps
 * trying (an image the kubelet keeps pulling, a pod the Job controller keeps creating), or the
 * resource never started at all (a Pod past its deadline before any node took it gets a new
 * deadline from the kubelet once one does). Nothing of the workflow ran in either case.
 */
export function leavesStartPending(result: ExecutionResult): boolean {
  if (result.phase !== 'Failed') return false;
  return result.started === false || !ranWorkflow(classifyResult(result), result.started);
}

/**
 * The message an execution that could not start fails with. A busy target says so in the words kubernaut uses (the resource "already exists"),
 * naming the execution that holds it. A refusal before anything was sent (the spec, the
 * engine, the policy, the deadline) is its own message; anything else went wrong creating the
 * execution resource, and says so with kubernaut's prefix.
 */
export function startErrorMessage(error: unknown, engine: string): string {
  if (error instanceof ResourceLockedError) {
    const { owner } = error;
    const holder = owner
      ? `WorkflowExecution ${owner.namespace}/${owner.name}`
      : 'an unknown owner';
    return `Execution resource ${error.resourceName} already exists (target resource locked): it belongs to ${holder}, which is still running`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return refusedBeforeCreate(error)
    ? message
    : `Failed to create ${engine} execution resource: ${message}`;
}

function refusedBeforeCreate(error: unknown): boolean {
  return (
    error instanceof ConfigurationError ||
    error instanceof UnsupportedEngineError ||
    error instanceof PreviousExecutionNotCleanedError ||
    error instanceof ExecutionForbiddenError ||
    error instanceof DeadlinePassedError
  );
}

/** What to do about an error from `create`. */
export type StartErrorOutcome =
  /** Fail the execution: retrying without a change cannot help. */
  | { readonly action: 'fail'; readonly reason: FailureReason }
  /** Retry with backoff, showing the error on the execution meanwhile. */
  | { readonly action: 'retry' };

const failureByStatusCode: Readonly<Record<number, FailureReason>> = {
  400: 'ConfigurationError',
  401: 'Forbidden',
  403: 'Forbidden',
  413: 'ConfigurationError',
  422: 'ConfigurationError',
};

function statusCodeOf(error: RoundhouseError): number | undefined {
  const code = (error as { statusCode?: unknown }).statusCode;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Why an execution could not be started, from the typed error: every engine's errors are
 * RoundhouseErrors that say whether a retry may help. Those that may are retried (a busy API
 * server, a lost connection); the rest fail the execution, classified by class or by the
 * HTTP status they carry (an AWX 401 is as Forbidden as a Kubernetes 403).
 */
export function classifyStartError(error: unknown): StartErrorOutcome {
  if (error instanceof ConfigurationError) return { action: 'fail', reason: 'ConfigurationError' };
  if (error instanceof UnsupportedEngineError)
    return { action: 'fail', reason: 'UnsupportedEngine' };
  // kubernaut's word for a target another execution holds (its #190). Its readers follow
  // `deduplicatedBy` to that execution, so a holder that names none is Unknown, as in kubernaut.
  if (error instanceof ResourceLockedError)
    return { action: 'fail', reason: error.owner ? 'Deduplicated' : 'Unknown' };
  if (error instanceof ExecutionForbiddenError) return { action: 'fail', reason: 'Forbidden' };
  if (error instanceof DeadlinePassedError) return { action: 'fail', reason: 'DeadlineExceeded' };
  if (error instanceof QuotaExceededError) return { action: 'fail', reason: 'ResourceExhausted' };
  if (!(error instanceof RoundhouseError) || error.retryable) return { action: 'retry' };
  const code = statusCodeOf(error);
  return { action: 'fail', reason: (code !== undefined && failureByStatusCode[code]) || 'Unknown' };
}
