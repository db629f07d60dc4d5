import { ConfigurationError } from './errors.js';

/**
 * etcd's default `--max-request-bytes` (1.5 MiB). The API server refuses a larger object with
 * 500 InternalError ("etcdserver: request is too large"), an answer that reads as passing, so a
 * caller would retry the same create for ever; what it stores is no larger than the JSON sent.
 */
export const maxObjectBytes = 1_572_864;

/**
 * Refuses an object an engine built that is too large to store, before it is sent: a
 * ConfigurationError on `path`, the execution's field that made it so, saying how to shrink it.
 * An engine's object can be far larger than the execution that asked for it (every step's copy
 * of the environment, every `$` doubled for the kubelet).
 */
export function checkObjectSize(object: unknown, what: string, path: string, remedy: string): void {
  const bytes = Buffer.byteLength(JSON.stringify(object));
  if (bytes <= maxObjectBytes) return;
  throw new ConfigurationError({
    path,
    message: `make a ${what} of ${bytes} bytes, more than the ${maxObjectBytes} the API server can store: ${remedy}`,
  });
}
