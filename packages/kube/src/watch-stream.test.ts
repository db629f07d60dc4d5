import { describe, expect, it } from 'vitest';
import type { KubeObject } from './kube-client.js';
import { KubernetesApiError } from './kubernetes-errors.js';
import { resources } from './resources.js';
import {
  type WatchEvent,
  type WatchResponse,
  type WatchStreamOptions,
  watchPath,
  watchStream,
} from './watch-stream.js';

const encoder = new TextEncoder();

const line = (type: string, name: string, resourceVersion = '1') =>
  `${JSON.stringify({ type, object: { metadata: { name, resourceVersion } } })}\n`;

interface Served {
  /** The signal the watch gave `open`; aborted once the watch has closed the connection. */
  readonly connection: () => AbortSignal | undefined;
  readonly open: (signal: AbortSignal) => Promise<WatchResponse>;
}

/** A 200 response whose body is `chunks`, then ends, or stays open until the watch aborts it. */
function serve(chunks: readonly (string | Uint8Array)[], options: { end: boolean }): Served {
  let connection: AbortSignal | undefined;
  return {
    connection: () => connection,
    open: async (signal) => {
      connection = signal;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const chunk of chunks) {
            controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
          }
          if (options.end) controller.close();
          else signal.addEventListener('abort', () => controller.error(signal.reason));
        },
      });
      return { statusCode: 200, body };
    },
  };
}

async function run(
  served: Pick<Served, 'open'>,
  options: Partial<WatchStreamOptions<KubeObject>> = {},
) {
  const events: string[] = [];
  const outcome = await watchStream(served.open, {
    operation: 'watch ConfigMap ns',
    stallTimeoutMs: 5_000,
    onEvent: (event: WatchEvent) => events.push(`${event.type} ${event.object.metadata?.name}`),
    ...options,
  });
  return { outcome, events };
}

describe('watchStream', () => {
  it('joins an event split across chunks, and splits a chunk holding several events', async () => {
    const first = line('ADDED', 'a');
    const served = serve(
      [first.slice(0, 10), first.slice(10) + line('MODIFIED', 'a', '2') + line('DELETED', 'b')],
      { end: true },
    );
    const { outcome, events } = await run(served);
    expect(events).toEqual(['ADDED a', 'MODIFIED a', 'DELETED b']);
    expect(outcome).toEqual({ end: 'closed' });
  });

  it('keeps a character whose bytes fall in two chunks', async () => {
    const bytes = encoder.encode(line('ADDED', 'ä'));
    const cut = bytes.indexOf(0xc3) + 1;
    const { events } = await run(serve([bytes.slice(0, cut), bytes.slice(cut)], { end: true }));
    expect(events).toEqual(['ADDED ä']);
  });

  it('delivers a last event that lacks its newline when the stream ends', async () => {
    const { outcome, events } = await run(
      serve([line('ADDED', 'a') + line('MODIFIED', 'a', '2').trimEnd()], { end: true }),
    );
    expect(events).toEqual(['ADDED a', 'MODIFIED a']);
    expect(outcome).toEqual({ end: 'closed' });
  });

  it('fails on a stream broken off inside an event', async () => {
    const { outcome, events } = await run(
      serve([line('ADDED', 'a') + line('ADDED', 'b').slice(0, 12)], { end: true }),
    );
    expect(events).toEqual(['ADDED a']);
    // The connection broke off, as an HTTP/2 stream reset reads: worth watching again.
    expect(outcome).toMatchObject({
      end: 'failed',
      error: {
        reason: 'Unavailable',
        retryable: true,
        message: 'watch ConfigMap ns: the stream broke off inside an event',
      },
    });
  });

  it('ends failed at a line that is not a watch event, without quoting it', async () => {
    const served = serve([line('ADDED', 'a'), 'password=hunter2\n', line('ADDED', 'b')], {
      end: false,
    });
    const { outcome, events } = await run(served);
    expect(events).toEqual(['ADDED a']);
    expect(outcome.end).toBe('failed');
    const { error } = outcome as { error: KubernetesApiError };
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({ reason: 'Unknown', statusCode: undefined });
    expect(error.message).not.toContain('hunter2');
    expect(served.connection()?.aborted).toBe(true);
  });

  it('ends failed at a line longer than any event, without reading it to its end', async () => {
    const MiB = 1024 * 1024;
    let pulled = 0;
    const open = async () => {
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulled === 0) controller.enqueue(encoder.encode(line('ADDED', 'a')));
          if (pulled >= 64 * MiB) return controller.close();
          controller.enqueue(encoder.encode('x'.repeat(MiB)));
          pulled += MiB;
        },
      });
      return { statusCode: 200, body };
    };
    const { outcome, events } = await run({ open });
    expect(events).toEqual(['ADDED a']);
    expect(outcome).toMatchObject({
      end: 'failed',
      error: {
        reason: 'Unknown',
        message:
          'watch ConfigMap ns: the API server sent a line longer than 16777216 characters, ' +
          'which no watch event is',
      },
    });
    expect(pulled).toBeLessThan(64 * MiB);
  });

  it('turns an ERROR event into a failure classified by its Status, and closes the stream', async () => {
    const expired = {
      type: 'ERROR',
      object: {
        kind: 'Status',
        status: 'Failure',
        reason: 'Expired',
        message: 'too old',
        code: 410,
      },
    };
    const served = serve([line('ADDED', 'a'), `${JSON.stringify(expired)}\n`, line('ADDED', 'b')], {
      end: false,
    });
    const { outcome, events } = await run(served);
    expect(events).toEqual(['ADDED a']);
    expect(outcome).toMatchObject({
      end: 'failed',
      error: { reason: 'Gone', statusCode: 410, message: 'watch ConfigMap ns: too old' },
    });
    expect(served.connection()?.aborted).toBe(true);
  });

  it('reads an ERROR event whose Status says Expired as Gone, with another code or none', async () => {
    for (const code of [500, undefined]) {
      const expired = {
        type: 'ERROR',
        object: { kind: 'Status', status: 'Failure', reason: 'Expired', message: 'too old', code },
      };
      const { outcome } = await run(serve([`${JSON.stringify(expired)}\n`], { end: false }));
      expect(outcome).toMatchObject({ end: 'failed', error: { reason: 'Gone', retryable: false } });
    }
  });

  it('skips blank lines and event types it does not know', async () => {
    const { events } = await run(
      serve(['\n', line('SOMETHING_NEW', 'x'), line('ADDED', 'a')], { end: true }),
    );
    expect(events).toEqual(['ADDED a']);
  });

  it('classifies a refused watch by its status code and Status body', async () => {
    const status = { kind: 'Status', reason: 'Forbidden', message: 'no', code: 403 };
    const { outcome } = await run({
      open: async () => ({
        statusCode: 403,
        body: ReadableStream.from([encoder.encode(JSON.stringify(status))]),
      }),
    });
    expect(outcome).toMatchObject({
      end: 'failed',
      error: { reason: 'Forbidden', statusCode: 403, message: 'watch ConfigMap ns: no' },
    });
  });

  it('classifies a refused watch whose body is larger than any Status, reading only its start', async () => {
    const MiB = 1024 * 1024;
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 64 * MiB) return controller.close();
        controller.enqueue(encoder.encode(pulled === 0 ? '<html>' : 'x'.repeat(MiB)));
        pulled += MiB;
      },
    });
    const { outcome } = await run({ open: async () => ({ statusCode: 502, body }) });
    expect(outcome).toMatchObject({
      end: 'failed',
      error: { reason: 'Unavailable', statusCode: 502 },
    });
    expect(pulled).toBeLessThan(64 * MiB);
  });

  it('carries the Retry-After header of a throttled watch', async () => {
    const { outcome } = await run({
      open: async () => ({
        statusCode: 429,
        headers: { 'retry-after': '2', 'content-type': 'text/plain' },
        body: ReadableStream.from([encoder.encode('Too many requests, please try again later.')]),
      }),
    });
    expect(outcome).toMatchObject({
      end: 'failed',
      error: { reason: 'TooManyRequests', statusCode: 429, retryAfterSeconds: 2 },
    });
  });

  it('classifies a transport failure by its error code', async () => {
    const refused = Object.assign(new Error('connect failed'), { code: 'ECONNREFUSED' });
    const { outcome } = await run({
      open: () => Promise.reject(new TypeError('fetch failed', { cause: refused })),
    });
    expect(outcome).toMatchObject({
      end: 'failed',
      error: { reason: 'Unavailable', statusCode: undefined },
    });
  });

  it('aborts a stream that delivers nothing for the stall timeout, as a Timeout without status', async () => {
    const served = serve([line('ADDED', 'a')], { end: false });
    const { outcome, events } = await run(served, { stallTimeoutMs: 50 });
    expect(events).toEqual(['ADDED a']);
    expect(outcome).toMatchObject({
      end: 'failed',
      error: { reason: 'Timeout', statusCode: undefined },
    });
    expect(served.connection()?.aborted).toBe(true);
  });

  it('ends stopped when the caller aborts, mid-stream or from a callback', async () => {
    const midStream = new AbortController();
    const served = serve([line('ADDED', 'a')], { end: false });
    const running = run(served, { signal: midStream.signal });
    await Promise.resolve();
    midStream.abort();
    expect((await running).outcome).toEqual({ end: 'stopped' });
    expect(served.connection()?.aborted).toBe(true);

    const inCallback = new AbortController();
    const events: string[] = [];
    const outcome = await watchStream(
      serve([line('ADDED', 'a') + line('ADDED', 'b')], { end: false }).open,
      {
        operation: 'watch ConfigMap ns',
        stallTimeoutMs: 5_000,
        signal: inCallback.signal,
        onEvent: (event) => {
          events.push(event.object.metadata?.name as string);
          inCallback.abort();
        },
      },
    );
    expect(outcome).toEqual({ end: 'stopped' });
    expect(events).toEqual(['a']);
  });

  it('does not open a connection for a signal that has already fired', async () => {
    let opened = false;
    const { outcome } = await run(
      {
        open: async () => {
          opened = true;
          return { statusCode: 200, body: ReadableStream.from([]) };
        },
      },
      { signal: AbortSignal.abort() },
    );
    expect(outcome).toEqual({ end: 'stopped' });
    expect(opened).toBe(false);
  });

  it('rejects with what the callback throws, and closes the stream', async () => {
    const served = serve([line('ADDED', 'a')], { end: false });
    const broken = new Error('handler bug');
    await expect(
      run(served, {
        onEvent: () => {
          throw broken;
        },
      }),
    ).rejects.toBe(broken);
    expect(served.connection()?.aborted).toBe(true);
  });
});

describe('watchPath', () => {
  it('asks for a watch with bookmarks, from the resourceVersion, with what is defined', () => {
    const options = { resourceVersion: '10', labelSelector: 'app=x', stallTimeoutMs: 1 };
    expect(watchPath(resources.jobs, 'ns', { ...options, timeoutSeconds: 300 })).toBe(
      '/apis/batch/v1/namespaces/ns/jobs?watch=1&resourceVersion=10&allowWatchBookmarks=true&labelSelector=app%3Dx&timeoutSeconds=300',
    );
    expect(watchPath(resources.namespaces, 'ignored', { stallTimeoutMs: 1 })).toBe(
      '/api/v1/namespaces?watch=1&allowWatchBookmarks=true',
    );
  });
});
