import { formatKubeTime, maxObjectBytes } from '@roundhouse/core';
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

/**
 * What a status write adds besides the status itself: the writer's managedFields entry, which
 * the API server keeps in the object too.
 */
export const statusWriteAllowance = 4096;

/** The reason of a run failed because its status would not fit in the object. */
export const tooLargeReason = 'StatusTooLarge';

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
  const bytes = storedBytes({ ...run, status }) + statusWriteAllowance;
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
