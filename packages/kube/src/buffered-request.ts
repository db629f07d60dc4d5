/**
 * One request whose answer is read into memory whole, up to a limit: what every verb of
 * `KubeClient` but the streams needs. undici's `request` hands the answer over as a Node
 * stream (a Readable, an async iterator over it, an AsyncResource around each callback) that
 * such a caller only drains again; a profile of the controller under a burst put that
 * machinery at about a twentieth of its CPU. Dispatching with a handler that keeps the chunks
 * itself sends the same request and reads the same bytes.
 */

import { createRequire } from 'node:module';
import type { Dispatcher } from 'undici';
import type { ResponseHeaders } from './kubernetes-errors.js';

/**
 * undici's hook for taking a request that still waits for a connection out of the queue once
 * its caller gives up, which its own `request` passes: without it the request stays queued, and
 * aborting it when its turn comes destroys an HTTP/1.1 connection that was fine. undici
 * exports no name for it; under a version without it (or without the module) such a request stays
 * queued, as before.
 */
const queuedAbort: unknown = undiciQueuedAbort();

/** Read so that an undici that moved or hid its symbols module leaves the package importable. */
function undiciQueuedAbort(): unknown {
  try {
    const symbols = createRequire(import.meta.url)('undici/lib/core/symbols.js') as {
      kQueuedAbort?: unknown;
    };
    return symbols.kQueuedAbort;
  } catch {
    return undefined;
  }
}

export interface BufferedAnswer {
  readonly statusCode: number;
  readonly headers: ResponseHeaders;
  /** The answer's first `limit` bytes of its kind (successful or not), as UTF-8. */
  readonly text: string;
  /** Whether the answer went past its limit; the rest was not read. */
  readonly cut: boolean;
}

export interface BufferedRequest {
  readonly origin: string;
  /** The path with its query. */
  readonly path: string;
  readonly method: Dispatcher.HttpMethod;
  readonly headers: Record<string, string>;
  readonly body?: string | undefined;
  /** undici's `reset`: whether the connection closes after this request (HTTP/1.1). */
  readonly reset?: boolean | undefined;
}

export interface AnswerLimits {
  /** The most of a successful (2xx) answer read. */
  readonly successBytes: number;
  /** The most of any other answer read. */
  readonly errorBytes: number;
}

/**
 * Sends `request` on `dispatcher` and resolves with its answer once it ended or went past its
 * limit (its stream, or its connection over HTTP/1.1, is then closed, as leaving an undici body
 * unread closes it). Rejects with `signal`'s reason once it fires, and with the transport's
 * error, as undici's `request` does. An informational (1xx) answer is skipped.
 */
export function requestBuffered(
  dispatcher: Dispatcher,
  request: BufferedRequest,
  limits: AnswerLimits,
  signal: AbortSignal,
): Promise<BufferedAnswer> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<BufferedAnswer>((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let dequeue: ((reason: unknown) => void) | undefined;
    let settled = false;
    let statusCode = 0;
    let headers: ResponseHeaders = {};
    let limit = 0;
    let held = 0;
    const chunks: Buffer[] = [];
    const finish = (cut: boolean) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resolve({ statusCode, headers, text: Buffer.concat(chunks, held).toString('utf8'), cut });
    };
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      reject(error);
    };
    // Before the request starts there is no controller yet: the caller is answered at once and
    // the request leaves undici's queue (without the hook, onRequestStart aborts it before
    // anything of it is sent).
    const onAbort = () => {
      fail(signal.reason);
      if (controller) controller.abort(signal.reason);
      else dequeue?.(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        if (settled) started.abort(signal.reason ?? new Error('request abandoned'));
      },
      onResponseStart(_controller, status, answerHeaders) {
        if (status < 200) return;
        statusCode = status;
        headers = answerHeaders;
        limit = status >= 200 && status < 300 ? limits.successBytes : limits.errorBytes;
      },
      onResponseData(current, chunk) {
        if (settled) return;
        if (held + chunk.length > limit) {
          chunks.push(chunk.subarray(0, limit - held));
          held = limit;
          finish(true);
          current.abort(new Error('the answer went past its limit'));
          return;
        }
        chunks.push(chunk);
        held += chunk.length;
      },
      onResponseEnd() {
        finish(false);
      },
      onResponseError(_controller, error) {
        fail(error);
      },
    };
    try {
      dispatcher.dispatch(
        {
          origin: request.origin,
          path: request.path,
          method: request.method,
          headers: request.headers,
          ...(request.body !== undefined ? { body: request.body } : {}),
          ...(request.reset !== undefined ? { reset: request.reset } : {}),
          ...(typeof queuedAbort === 'symbol'
            ? {
                [queuedAbort]: (cancel: (reason: unknown) => void) => {
                  dequeue = cancel;
                },
              }
            : {}),
        },
        handler,
      );
    } catch (error) {
      fail(error);
    }
  });
}
