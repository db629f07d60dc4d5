import {
  type ActionStatus,
  type ConditionActionStatus,
  markFailed,
  type TransitionAt,
} from '@roundhouse/controller';
import { maxObjectBytes } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';

/**
 * How large a TaskAction may get. etcd stores no object over `maxObjectBytes` (1.5 MiB), and an
 * action is one object: its spec and every status the controller writes onto it. The CRD bounds
 * what an author may make large (below), so an action always has room left for the status that
 * fails it, and the controller writes that status (`statusWithin`) when what it would write does
 * not fit: an action whose environment filled the object otherwise had its attempt launched and
 * never got a status, every later write refused.
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

/**
 * What a status write adds besides the status itself: the writer's managedFields entry, which
 * the API server keeps in the object too.
 */
export const statusWriteAllowance = 4096;

/** `errorState.code` of an action failed because its status would not fit in the object. */
export const statusTooLargeCode = 'StatusTooLarge';

/**
 * The size of `object` as stored: its JSON as Go's encoding/json writes it, which escapes `<`,
 * `>` and `&` (a byte each in UTF-8) and U+2028 and U+2029 (three each) in six bytes, as core's
 * `checkObjectSize` counts. managedFields are stored with the object: counted as they are, or
 * estimated (`fieldSetBytes`) when the copy has none, as the informer cache's copies have not.
 */
export function storedBytes(object: KubeObject): number {
  const managed = object.metadata && 'managedFields' in object.metadata;
  return jsonBytes(object) + (managed ? 0 : fieldSetBytes(object) + managerHeaders);
}

/** What the API server writes for `value`: its JSON, with Go's escapes. */
function jsonBytes(value: unknown): number {
  const json = JSON.stringify(value);
  let escaped = 0;
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (code === 0x3c || code === 0x3e || code === 0x26) escaped += 5;
    else if (code === 0x2028 || code === 0x2029) escaped += 3;
  }
  return Buffer.byteLength(json) + escaped;
}

/** managedFields' entry of each writer besides its fields (manager, time, ...), for four. */
const managerHeaders = 1024;

/**
 * The bytes managedFields take for `value`'s fields: `"f:<key>":{}` for each key at every depth
 * and `".":{}` for each object, and for each item of a list of objects its key, which holds the
 * item's name (or type) escaped twice over. Lists the API server keeps whole are counted as
 * keyed too: an estimate that errs by being large.
 */
function fieldSetBytes(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + itemBytes(item), 0);
  let bytes = 7;
  for (const [key, child] of Object.entries(value)) {
    bytes += jsonBytes(key) + 6 + fieldSetBytes(child);
  }
  return bytes;
}

function itemBytes(item: unknown): number {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 0;
  const { name, type } = item as { name?: unknown; type?: unknown };
  return 32 + 2 * jsonBytes(name ?? type ?? '') + fieldSetBytes(item);
}

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
  const bytes = storedBytes({ ...action, status: next }) + statusWriteAllowance;
  if (bytes <= maxObjectBytes) return next;
  const { conditions: _c, phaseHistory: _h, errorState: _e, retryAfter: _r, ...kept } = next;
  const message = `the action's status would make it ${bytes} bytes, more than the ${maxObjectBytes} the API server can store: its spec and its messages together are too large; its phase history is left out`;
  const failure = { kind: 'USER', code: statusTooLargeCode, message, retryable: false } as const;
  return markFailed(kept, failure, { maxAttempts: 1 }, at) ?? kept;
}
