import {
  type ActionStatus,
  type ConditionActionStatus,
  markFailed,
  type TransitionAt,
} from '@roundhouse/controller';
import { maxObjectBytes, statusWriteAllowance, storedObjectBytes } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { omittedAnnotationBytes } from './cached-action.js';

/**
 * How large a TaskAction may get. etcd stores no object over `maxObjectBytes` (1.5 MiB), and an
 * action is one object: its spec and every status the controller writes onto it. The CRD bounds
 * what an author may make large (below), so an action always has room left for the status that
 * fails it, and the controller writes that status (`statusWithin`) when what it would write does
 * not fit: an action whose environment filled the object otherwise had its attempt launched and
 * never got a status, every later write refused. A cached action is sized with the annotations
 * the cache left out (`cachedAction`).
 */

/** The most strings in `taskTemplate.command`, `args`, `env` and in `envVars`, each. */
export const maxTaskStrings = 256;

/**
 * The most characters `taskTemplate.command`, `args`, `env` and `envVars` hold together (192 Ki),
 * a variable's name counted twice (the API server keeps it again in managedFields). It counts
 * characters, and the object takes up to six bytes for one (`<`, `&` and control characters
 * are written as `\uXXXX`), so this keeps the worst spec near 1.2 MiB, with room for its
 * metadata (annotations alone may take 256 KiB) and a terminal status.
 */
export const maxTaskChars = 196_608;

/** `errorState.code` of an action failed because its status would not fit in the object. */
export const statusTooLargeCode = 'StatusTooLarge';

/**
 * `next` when the action holding it still fits in what the API server stores; otherwise the
 * action failed for good (`PermanentFailure`, `StatusTooLarge`), keeping its counters, signal
 * and cache status but none of the messages that made it large (conditions, history, the last
 * error), which is small enough for any action the CRD admits.
 */
export function statusWithin(
  action: KubeObject,
  next: ConditionActionStatus,
  at: TransitionAt,
): ActionStatus {
  const bytes =
    storedObjectBytes({ ...action, status: next }) +
    omittedAnnotationBytes(action) +
    statusWriteAllowance;
  if (bytes <= maxObjectBytes) return next;
  const { conditions: _c, phaseHistory: _h, errorState: _e, retryAfter: _r, ...kept } = next;
  const message = `the action's status would make it ${bytes} bytes, more than the ${maxObjectBytes} the API server can store: its spec and its messages together are too large; its phase history is left out`;
  const failure = { kind: 'USER', code: statusTooLargeCode, message, retryable: false } as const;
  return markFailed(kept, failure, { maxAttempts: 1 }, at) ?? kept;
}
