import { readErrorBody } from './answer-body.js';
import type { KubeObject, RequestOptions } from './kube-client.js';
import {
  KubernetesApiError,
  kubernetesErrorFromResponse,
  kubernetesErrorFromTransport,
  type ResponseHeaders,
} from './kubernetes-errors.js';
import { LineSplitter } from './line-splitter.js';
import { queryString, resourcePath } from './paths.js';
import type { ResourceType } from './resources.js';

export interface WatchOptions extends RequestOptions {
  /**
   * Where to resume; from a list or the last event or bookmark. Without one the API server
   * starts with an ADDED event for every object that exists, then sends the changes.
   */
  readonly resourceVersion?: string | undefined;
  readonly labelSelector?: string | undefined;
  /** Only objects matching these fields (e.g. `status.phase!=Running`); one leaving it arrives as DELETED. */
  readonly fieldSelector?: string | undefined;
  /** The server ends the watch (outcome `closed`) after this long. */
  readonly timeoutSeconds?: number | undefined;
  /**
   * A stream that delivers nothing, not even a bookmark, for this long is presumed dead and
   * ends `failed` with reason `Timeout`. Bookmarks are requested, but a quiet resource may see
   * its first only after minutes, so keep it well above two minutes.
   */
  readonly stallTimeoutMs: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

/**
 * One change on a watch stream, as the API server sent it: only the envelope is checked, the
 * object is whatever the server put in it (a BOOKMARK's object carries just a resourceVersion).
 */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  readonly type: WatchEventType;
  readonly object: T;
}

/**
 * How a watch ended. `stopped`: the caller's signal fired. `closed`: the server ended the
 * stream normally (its `timeoutSeconds` ran out); resume from the last resourceVersion seen.
 * `failed`: a classified error; an ERROR event arrives here too, so 410 Gone (resourceVersion
 * too old, relist) is `reason: 'Gone'` whether it came as a response or as an event, and a stream
 * that went silent for the stall timeout is `reason: 'Timeout'` with no `statusCode`.
 */
export type WatchOutcome =
  | { readonly end: 'stopped' | 'closed' }
  | { readonly end: 'failed'; readonly error: KubernetesApiError };

/** The part of a response a watch reads; undici's `request` answer fits. */
export interface WatchResponse {
  readonly statusCode: number;
  readonly headers?: ResponseHeaders | undefined;
  readonly body: AsyncIterable<Uint8Array>;
}

export interface WatchStreamOptions<T extends KubeObject> {
  /** Names the watch in errors, e.g. "watch ConfigMap ns". */
  readonly operation: string;
  /** A stream that delivers no bytes for this long, headers included, is aborted as stalled. */
  readonly stallTimeoutMs: number;
  /**
   * A response whose headers have not arrived this long after the request was sent is aborted
   * as timed out: a server that accepts the connection but never answers would otherwise cost
   * the whole stall timeout. The body is bounded only by the stall timeout.
   */
  readonly answerTimeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onEvent: (event: WatchEvent<T>) => void;
}

/** A watch event's envelope, checked by hand: it runs once per event of every watch. */
function isEnvelope(
  value: unknown,
): value is { type: string; object: Record<string, unknown> & KubeObject } {
  const { type, object } = (value ?? {}) as Record<string, unknown>;
  return (
    typeof type === 'string' &&
    typeof object === 'object' &&
    object !== null &&
    !Array.isArray(object)
  );
}

const deliveredTypes: ReadonlySet<string> = new Set<WatchEventType>([
  'ADDED',
  'MODIFIED',
  'DELETED',
  'BOOKMARK',
]);

/** The watch request for a collection, with bookmarks so a quiet watch can resume cheaply. */
export function watchPath(
  type: ResourceType,
  namespace: string | undefined,
  options: WatchOptions,
): string {
  return (
    resourcePath(type, { namespace }) +
    queryString({
      watch: 1,
      resourceVersion: options.resourceVersion,
      allowWatchBookmarks: true,
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      timeoutSeconds: options.timeoutSeconds,
    })
  );
}

/**
 * Runs one watch request to its end: `open` starts it with the signal that must cancel it, the
 * newline-delimited JSON body is split into events for `onEvent`, and the promise resolves with
 * how it ended; it rejects only with what `onEvent` throws. The connection is closed whichever
 * way it ends.
 */
export async function watchStream<T extends KubeObject>(
  open: (signal: AbortSignal) => Promise<WatchResponse>,
  options: WatchStreamOptions<T>,
): Promise<WatchOutcome> {
  const { signal, operation, stallTimeoutMs, answerTimeoutMs } = options;
  if (signal?.aborted) return { end: 'stopped' };
  const connection = new AbortController();
  let stalled = false;
  const timer = setTimeout(() => {
    stalled = true;
    connection.abort();
  }, stallTimeoutMs);
  let unanswered = false;
  const answerTimer =
    answerTimeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          unanswered = true;
          connection.abort();
        }, answerTimeoutMs);
  const stop = () => connection.abort();
  signal?.addEventListener('abort', stop, { once: true });
  // Every way the request can break off ends here: the caller's stop, the stall timer, or the
  // network, told apart by which of the first two fired.
  const brokenOff = (error: unknown): WatchOutcome => {
    if (signal?.aborted) return { end: 'stopped' };
    if (unanswered) {
      return {
        end: 'failed',
        error: new KubernetesApiError(
          'Timeout',
          `${operation}: no answer within ${answerTimeoutMs} ms`,
          undefined,
        ),
      };
    }
    if (stalled) {
      return {
        end: 'failed',
        error: new KubernetesApiError(
          'Timeout',
          `${operation}: no data for ${stallTimeoutMs} ms`,
          undefined,
        ),
      };
    }
    return { end: 'failed', error: kubernetesErrorFromTransport(error, operation) };
  };
  try {
    let chunks: AsyncIterator<Uint8Array>;
    try {
      let response: WatchResponse;
      try {
        response = await open(connection.signal);
      } finally {
        clearTimeout(answerTimer);
      }
      if (!successful(response.statusCode)) {
        const body = await readErrorBody(response.body);
        return {
          end: 'failed',
          error: kubernetesErrorFromResponse(
            response.statusCode,
            body,
            operation,
            response.headers,
          ),
        };
      }
      chunks = response.body[Symbol.asyncIterator]();
    } catch (error) {
      return brokenOff(error);
    }
    const lines = new LineSplitter(maxEventLength);
    for (;;) {
      let chunk: IteratorResult<Uint8Array>;
      try {
        chunk = await chunks.next();
      } catch (error) {
        return brokenOff(error);
      }
      if (chunk.done) return deliver(lines.end(), options, true) ?? { end: 'closed' };
      timer.refresh();
      const outcome = deliver(lines.push(chunk.value), options);
      if (outcome) return outcome;
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', stop);
    connection.abort();
  }
}

/**
 * The longest line a watch reads, in UTF-16 units. An object is at most etcd's request limit
 * (1.5 MiB by default) and a request body the API server takes at most 3 MiB, so an event is a
 * fraction of this; a longer line is no event, and is not read to its end.
 */
const maxEventLength = 16 * 1024 * 1024;

/** Whether an HTTP status code says the request succeeded (2xx). */
export function successful(statusCode: number): boolean {
  return statusCode >= 200 && statusCode < 300;
}

/**
 * Hands each line's event to `onEvent`; an outcome when a line ends the watch (an ERROR event
 * or a line that is no watch event) or the caller stopped it in a callback. `last`: the line the
 * stream ended in, without its newline.
 */
function deliver<T extends KubeObject>(
  lines: readonly string[],
  options: WatchStreamOptions<T>,
  last = false,
): WatchOutcome | undefined {
  for (const line of lines) {
    if (options.signal?.aborted) return { end: 'stopped' };
    if (line.trim() === '') continue;
    const envelope = parseJson(line);
    if (last && envelope === undefined && line.length < maxEventLength) {
      // JSON cut short where the stream ended: undici ends a body normally when its HTTP/2
      // stream is reset, so a connection that broke off inside an event ends here.
      return {
        end: 'failed',
        error: new KubernetesApiError(
          'Unavailable',
          `${options.operation}: the stream broke off inside an event`,
          undefined,
        ),
      };
    }
    if (!isEnvelope(envelope)) {
      // The line itself is not quoted: it may hold a Secret's data.
      const what =
        line.length < maxEventLength
          ? `a line of ${line.length} characters that is not a watch event`
          : `a line longer than ${maxEventLength} characters, which no watch event is`;
      return {
        end: 'failed',
        error: new KubernetesApiError(
          'Unknown',
          `${options.operation}: the API server sent ${what}`,
          undefined,
        ),
      };
    }
    const { type, object } = envelope;
    if (type === 'ERROR') {
      const code = typeof object.code === 'number' ? object.code : 500;
      return { end: 'failed', error: kubernetesErrorFromResponse(code, object, options.operation) };
    }
    // Kubernetes API conventions ask clients to ignore event types they do not know.
    if (deliveredTypes.has(type)) {
      options.onEvent({ type: type as WatchEventType, object: object as T });
    }
  }
  return options.signal?.aborted ? { end: 'stopped' } : undefined;
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
