import { ConfigurationError } from './errors.js';

/**
 * etcd's default `--max-request-bytes` (1.5 MiB). The API server refuses a larger object with
 * 500 InternalError ("etcdserver: request is too large"), an answer that reads as passing, so a
 * caller would retry the same create for ever. What it stores is no larger than the JSON the
 * API server writes for it (a custom resource is stored as that JSON; a built-in one as
 * protobuf, which is smaller).
 */
export const maxObjectBytes = 1_572_864;

/**
 * Refuses an object an engine built that is too large to store, before it is sent: a
 * ConfigurationError on `path`, the execution's field that made it so, saying how to shrink it.
 * An engine's object can be far larger than the execution that asked for it (every step's copy
 * of the environment, every `$` doubled for the kubelet).
 */
export function checkObjectSize(object: unknown, what: string, path: string, remedy: string): void {
  const bytes = storedJsonBytes(object);
  if (bytes <= maxObjectBytes) return;
  throw new ConfigurationError({
    path,
    message: `make a ${what} of ${bytes} bytes, more than the ${maxObjectBytes} the API server can store: ${remedy}`,
  });
}

/**
 * `checkObjectSize` for a kind whose create cannot be stored without its managedFields: its
 * size as stored, the creator's managedFields (estimated, see `storedObjectBytes`) and a status
 * write included. A Job is one: the JSON of the Job is not all that is stored, the API server
 * adds the creator's managedFields, which name every variable of a container by its name
 * (`k:{"name":…}`), tens of KB for 256 variables of long names, and the Job controller's status
 * writes follow. Kubernetes 1.36 answers a Job too large with its managedFields by trying again
 * without them, on the object its first attempt already gave the Job controller's
 * `controller-uid` labels, and refuses that with a 422 about those labels, which says nothing
 * of the size. The estimate errs by being large: an object a few KB under the limit may be
 * refused.
 */
export function checkStoredObjectSize(
  object: { readonly metadata?: object | undefined },
  what: string,
  path: string,
  remedy: string,
): void {
  // The estimate of managedFields never passes 15 times the JSON it is made from (a list's
  // empty object, 3 bytes with its comma, counts 43), so an object well under the limit, as
  // nearly every Job is, needs only its JSON written.
  const json = storedJsonBytes(object);
  if (json * (1 + maxFieldSetRatio) + managerHeaders + statusWriteAllowance <= maxObjectBytes)
    return;
  const bytes = storedObjectBytes(object) + statusWriteAllowance;
  if (bytes <= maxObjectBytes) return;
  throw new ConfigurationError({
    path,
    message: `make a ${what} of ${bytes} bytes as stored (its managedFields and status included), more than the ${maxObjectBytes} the API server can store: ${remedy}`,
  });
}

/**
 * The size of `value`'s JSON as Go's encoding/json, the API server's, writes it: it escapes
 * `<`, `>` and `&` (1 byte each in UTF-8) and U+2028 and U+2029 (3 bytes each) as 6-byte
 * `\uXXXX`, which JSON.stringify leaves as they are. A shell script's `&&` and redirections
 * count five times over.
 */
export function storedJsonBytes(value: unknown): number {
  if (typeof value === 'string') return jsonStringBytes(value);
  const json = JSON.stringify(value);
  let extra = 0;
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (code === 0x3c || code === 0x3e || code === 0x26) extra += 5;
    else if (code === 0x2028 || code === 0x2029) extra += 3;
  }
  return Buffer.byteLength(json) + extra;
}

/**
 * `storedJsonBytes` of a string, counted without writing its JSON: managedFields' estimate
 * sizes every key of a Job at every depth, and a JSON string and its UTF-8 copy for each cost
 * more CPU than the rest of building the Job. JSON.stringify's escapes (`\"`, `\\`, the five
 * short control escapes, `\uXXXX` for other controls and lone surrogates), Go's for `<`, `>`,
 * `&`, U+2028 and U+2029, and the quotes.
 */
function jsonStringBytes(text: string): number {
  let bytes = 2;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      bytes += asciiJsonBytes[code] as number;
    } else if (code < 0x800) {
      bytes += 2;
    } else if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i += 1;
      } else {
        bytes += 6;
      }
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      bytes += 6;
    } else {
      bytes += code === 0x2028 || code === 0x2029 ? 6 : 3;
    }
  }
  return bytes;
}

/** The bytes each ASCII character takes in a JSON string as the API server writes it. */
const asciiJsonBytes = Array.from({ length: 0x80 }, (_, code) => {
  if (code === 0x22 || code === 0x5c) return 2;
  if (code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) return 2;
  if (code < 0x20 || code === 0x3c || code === 0x3e || code === 0x26) return 6;
  return 1;
});

/**
 * What a status write adds to an object besides the status itself: the writer's managedFields
 * entry, which the API server keeps in the object too.
 */
export const statusWriteAllowance = 4096;

/**
 * The size of a custom resource as stored: its JSON as the API server writes it, and its
 * managedFields, counted as they are or estimated when the copy has none (an informer cache's
 * copies drop them, and with hundreds of keyed fields they take tens of KB). A controller that
 * writes a status a spec can make large checks it against `maxObjectBytes` with this first: a
 * write past it is refused for ever, and the object never reaches a terminal status.
 */
export function storedObjectBytes<T extends { readonly metadata?: object | undefined }>(
  object: T,
): number {
  const managed = object.metadata !== undefined && 'managedFields' in object.metadata;
  return storedJsonBytes(object) + (managed ? 0 : fieldSetBytes(object) + managerHeaders);
}

/** managedFields' entry of each writer besides its fields (manager, time, ...), for four. */
const managerHeaders = 1024;

/** The most `fieldSetBytes` counts for each byte of the JSON it estimates (see its test). */
export const maxFieldSetRatio = 15;

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
    bytes += storedJsonBytes(key) + 6 + fieldSetBytes(child);
  }
  return bytes;
}

function itemBytes(item: unknown): number {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 0;
  const { name, type } = item as { name?: unknown; type?: unknown };
  // A list keyed by name or type keys it by a string; anything else there is counted once, as a
  // field, which keeps the estimate within maxFieldSetRatio of the JSON.
  const key = typeof name === 'string' ? name : typeof type === 'string' ? type : '';
  return 32 + 2 * storedJsonBytes(key) + fieldSetBytes(item);
}
