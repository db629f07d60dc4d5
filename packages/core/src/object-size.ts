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
  const bytes = goJsonBytes(JSON.stringify(object));
  if (bytes <= maxObjectBytes) return;
  throw new ConfigurationError({
    path,
    message: `make a ${what} of ${bytes} bytes, more than the ${maxObjectBytes} the API server can store: ${remedy}`,
  });
}

/**
 * The size of `json` as Go's encoding/json, the API server's, writes it: it escapes `<`, `>`
 * and `&` (1 byte each in UTF-8) and U+2028 and U+2029 (3 bytes each) as 6-byte `\uXXXX`, which
 * JSON.stringify leaves as they are. A shell script's `&&` and redirections count five times
 * over.
 */
function goJsonBytes(json: string): number {
  let extra = 0;
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (code === 0x3c || code === 0x3e || code === 0x26) extra += 5;
    else if (code === 0x2028 || code === 0x2029) extra += 3;
  }
  return Buffer.byteLength(json) + extra;
}
