import {
  formatKubeTime,
  maxObjectBytes,
  statusWriteAllowance,
  storedObjectBytes,
} from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import type { TaskRunStatus } from '@roundhouse/pod';

/**
 * How large a TaskRun may get. etcd stores no object over `maxObjectBytes` (1.5 MiB), and a run
 * is one object: its spec and every status the controller writes onto it. The CRD bounds the
 * spec (below) so a run always has room left for the status that fails it, and the controller
 * writes that status (`statusWithin`) when what it would write does not fit: a run whose params
 * filled the object otherwise kept its Pod and never got a status at all, or stopped at the last
 * status that fitted, with every later write refused.
 */

/** The most params a TaskRun gives: each costs a line of managedFields besides its own bytes. */
export const maxParams = 256;

/**
 * The most characters the values of a TaskRun's params hold together (192 Ki). The API server
 * counts characters, and the object takes up to six bytes for one (`<`, `&` and control
 * characters are written as `\uXXXX`), so this is what keeps the worst spec at 1.2 MiB, with
 * room for its metadata (annotations alone may take 256 KiB) and a terminal status.
 */
export const maxParamValueChars = 196_608;

/** The longest `spec.timeout`: Go's longest duration spelled out takes 24 characters. */
export const timeoutMaxLength = 64;

/** The reason of a run failed because its status would not fit in the object. */
export const tooLargeReason = 'StatusTooLarge';

/**
 * `status` when the run holding it still fits in what the API server stores; otherwise the run
 * failed with `StatusTooLarge`, keeping only its Pod and start (no step statuses, no messages of
 * the Pod's), which is small enough for any run the CRD admits. Undefined stays undefined: the
 * write does nothing.
 */
export function statusWithin(
  run: KubeObject,
  status: TaskRunStatus | undefined,
  now: Date,
): TaskRunStatus | undefined {
  if (status === undefined) return undefined;
  const bytes = storedObjectBytes({ ...run, status }) + statusWriteAllowance;
  if (bytes <= maxObjectBytes) return status;
  return {
    phase: 'Failed',
    reason: tooLargeReason,
    message: `the run's status would make it ${bytes} bytes, more than the ${maxObjectBytes} the API server can store: its params and its steps' output together are too large; its step statuses are left out and its Pod is deleted`,
    ...(status.podName ? { podName: status.podName } : {}),
    ...(status.startTime ? { startTime: status.startTime } : {}),
    completionTime: formatKubeTime(now),
  };
}
