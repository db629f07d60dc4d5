/**
 * How to stop a PipelineRun. Without `graceful`, Tekton cancels its TaskRuns at once and skips
 * `finally` tasks; `cancel` cancels and then runs `finally`; `stop` lets running tasks finish,
 * schedules nothing new and then runs `finally`.
 */
export type GracefulCancel = 'cancel' | 'stop';

/** The `spec.status` values Tekton accepts for stopping a run (not its condition reasons). */
export type CancelSpecStatus = 'Cancelled' | 'CancelledRunFinally' | 'StoppedRunFinally';

const specStatus: Readonly<Record<GracefulCancel, CancelSpecStatus>> = {
  cancel: 'CancelledRunFinally',
  stop: 'StoppedRunFinally',
};

export function cancelSpecStatus(graceful: GracefulCancel | undefined): CancelSpecStatus {
  return graceful ? specStatus[graceful] : 'Cancelled';
}

/**
 * The merge patch that asks Tekton to stop a run. The uid makes the API server refuse the patch
 * (uid is immutable, so a different one is Invalid) if the name now belongs to a newer
 * PipelineRun than the one whose ownership was checked.
 */
export function cancelPatch(graceful: GracefulCancel | undefined, uid: string) {
  return { metadata: { uid }, spec: { status: cancelSpecStatus(graceful) } };
}
