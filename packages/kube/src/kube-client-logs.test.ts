/**
 * Past 350 lines: followed logs' faults (stalls, resets, refusals), scripted by one HTTP server
 * the cases share.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { KubeClient, type KubeClientOptions } from './kube-client.js';
import { KubernetesApiError } from './kubernetes-errors.js';
import { closedAfterEach, loopbackKubeConfig } from './loopback.test-support.js';
import { LogFollowError } from './pod-log-follow.js';

/** A loopback HTTP server standing in for the API server's pod log endpoint. */
async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  timeoutMs = 5_000,
  options: KubeClientOptions = {},
) {
  const requests: { url: string; authorization: string | undefined }[] = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const config = loopbackKubeConfig(port);
  const client = new KubeClient(config, { ...options, timeoutMs });
  track(server, client);
  return { client, requests };
}

const track = closedAfterEach();

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

describe('KubeClient.logs', () => {
  it('gives a line a container wrote without line breaks in pieces of 1 Mi characters', async () => {
    const { client } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('before\n');
      for (let i = 0; i < 5; i++) res.write('x'.repeat(512 * 1024));
      res.end('\nafter\n');
    });
    const lines = await collect(client.logs('ns', 'pod-1', { container: 'workflow' }));
    expect(lines.map((line) => (line.startsWith('x') ? line.length : line))).toEqual([
      'before',
      1024 * 1024,
      1024 * 1024,
      512 * 1024,
      'after',
    ]);
  });

  it("reads the container's log line by line, however the chunks fall", async () => {
    const { client, requests } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first li');
      res.write('ne\nsecond line\nthi');
      res.end('rd line without newline');
    });
    const lines = await collect(
      client.logs('ns', 'pod-1', { container: 'workflow', tailLines: 20 }),
    );
    expect(lines).toEqual(['first line', 'second line', 'third line without newline']);
    expect(requests).toEqual([
      {
        url: '/api/v1/namespaces/ns/pods/pod-1/log?container=workflow&tailLines=20',
        authorization: 'Bearer secret-token',
      },
    ]);
  });

  it('asks the API server to follow, and hands out each line as it arrives', async () => {
    let response: ServerResponse | undefined;
    const { client, requests } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('started\n');
      response = res;
    });
    const iterator = client.logs('ns', 'pod-1', { follow: true })[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: 'started' });
    response?.end('finished\n');
    expect(await iterator.next()).toEqual({ done: false, value: 'finished' });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    // Timestamps are asked for, to resume after a stall; a line without one is handed out whole.
    expect(requests.map((r) => r.url)).toEqual([
      '/api/v1/namespaces/ns/pods/pod-1/log?follow=true&timestamps=true',
    ]);
  });

  it('ends without an error when the signal fires while the log is followed', async () => {
    const { client } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('one\n');
    });
    const stop = new AbortController();
    const seen: string[] = [];
    for await (const line of client.logs('ns', 'pod-1', { follow: true, signal: stop.signal })) {
      seen.push(line);
      stop.abort();
    }
    expect(seen).toEqual(['one']);
  });

  it('fails as a Timeout when no answer comes in time, but waits for a silent followed log', async () => {
    const { client } = await serve((req, res) => {
      if (req.url?.includes('silent-pod')) return;
      res.writeHead(200, { 'content-type': 'text/plain' }).flushHeaders();
      // Silent for twice the timeout once its headers are out; the timeout is long enough for
      // those headers to arrive on a loaded machine.
      setTimeout(() => res.end('late\n'), 1_000);
    }, 500);
    const error = await collect(client.logs('ns', 'silent-pod')).catch((e: unknown) => e);
    expect(error).toMatchObject({
      reason: 'Timeout',
      statusCode: undefined,
      message: 'logs Pod ns/silent-pod: no answer within 500 ms',
    });
    expect(await collect(client.logs('ns', 'pod-1', { follow: true }))).toEqual(['late']);
  });

  it('classifies a refusal, with the API server message', async () => {
    const { client } = await serve((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          status: 'Failure',
          reason: 'BadRequest',
          code: 400,
          message: 'container "workflow" in pod "pod-1" is waiting to start: ContainerCreating',
        }),
      );
    });
    const error = await collect(client.logs('ns', 'pod-1', { container: 'workflow' })).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      reason: 'BadRequest',
      statusCode: 400,
      message:
        'logs Pod ns/pod-1 container workflow: container "workflow" in pod "pod-1" is waiting to start: ContainerCreating',
    });
  });

  it('carries the Retry-After header of a throttled log request', async () => {
    const { client } = await serve((_req, res) => {
      res.writeHead(429, { 'content-type': 'text/plain', 'retry-after': '3' });
      res.end('Too many requests, please try again later.');
    });
    const error = await collect(client.logs('ns', 'pod-1')).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'TooManyRequests', retryAfterSeconds: 3 });
  });
});

/** A container's log as the kubelet keeps it: each line with the time the runtime recorded. */
interface Entry {
  readonly at: string;
  readonly text: string;
}
const at = (second: number, nanos: number) =>
  `2026-01-01T00:00:${String(second).padStart(2, '0')}.${String(nanos).padStart(9, '0')}Z`;
const log: Entry[] = [
  { at: at(5, 100), text: 'one' },
  { at: at(5, 200), text: 'two' },
  // Same nanosecond as "two": only counting tells them apart.
  { at: at(5, 200), text: 'three' },
  { at: at(6, 0), text: 'four' },
  { at: at(7, 500), text: 'five' },
];

/**
 * What the API server answers a log request with, read from `entries` as the kubelet reads them:
 * from `sinceTime` on, the last `tailLines`, a timestamp before each line when asked.
 */
function logBody(url: string, entries: readonly Entry[]): string {
  const query = new URL(url, 'http://x').searchParams;
  const since = query.get('sinceTime');
  let lines = entries.filter((e) => since === null || Date.parse(e.at) >= Date.parse(since));
  const tail = query.get('tailLines');
  if (tail !== null) lines = lines.slice(-Number(tail));
  const stamped = query.get('timestamps') === 'true';
  return lines.map((e) => `${stamped ? `${e.at} ` : ''}${e.text}\n`).join('');
}

const podPath = '/api/v1/namespaces/ns/pods/pod-1';
const podIn = (state: object) => ({
  kind: 'Pod',
  metadata: { name: 'pod-1', namespace: 'ns' },
  spec: { containers: [{ name: 'step' }] },
  status: { phase: 'Running', containerStatuses: [{ name: 'step', state }] },
});
const runningPod = podIn({ running: {} });
const terminatedPod = podIn({ terminated: { exitCode: 0 } });

/**
 * An API server whose log requests are answered in turn by `opens` (the first one by
 * `opens[0]`, and so on; the last one again after that), and whose pod reads get `pod` (404
 * when null). Fast re-opens: a 150 ms idle bound, 1 ms backoff.
 */
async function follower(
  opens: ((req: IncomingMessage, res: ServerResponse) => void)[],
  pod: object | null = runningPod,
  logFollow: KubeClientOptions['logFollow'] = {},
) {
  let count = 0;
  const served = await serve(
    (req, res) => {
      if (req.url === podPath) {
        res.writeHead(pod ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(pod ?? { kind: 'Status', reason: 'NotFound', code: 404 }));
        return;
      }
      const open = opens[Math.min(count, opens.length - 1)];
      count += 1;
      open?.(req, res);
    },
    5_000,
    { logFollow: { idleTimeoutMs: 150, reopenBackoffMs: 1, ...logFollow } },
  );
  const urls = () => served.requests.map((r) => decodeURIComponent(r.url));
  return { ...served, urls };
}

/** Sends the entries the request asks for, the first `upTo` only, then stalls. */
const stallAfter =
  (upTo: number, partial = '') =>
  (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write(logBody(req.url ?? '', log.slice(0, upTo)) + partial);
  };
/** Sends the entries the request asks for, and ends: the container stopped. */
const endWith =
  (entries: readonly Entry[] = log) =>
  (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(logBody(req.url ?? '', entries));
  };
const status = (code: number, reason: string) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', status: 'Failure', reason, code, message: reason }));
};

const texts = log.map((e) => e.text);

describe('KubeClient.logs following through a stall', () => {
  it('re-opens a stalled log from its last line and hands out the missing lines once', async () => {
    // The first stream stalls after "two", in the middle of "three".
    const { client, urls } = await follower([stallAfter(2, `${at(5, 200)} thr`), endWith()]);
    const lines = await collect(client.logs('ns', 'pod-1', { container: 'step', follow: true }));
    expect(lines).toEqual(texts);
    expect(urls()).toEqual([
      '/api/v1/namespaces/ns/pods/pod-1/log?container=step&follow=true&timestamps=true',
      podPath,
      '/api/v1/namespaces/ns/pods/pod-1/log?container=step&follow=true&sinceTime=2026-01-01T00:00:05Z&timestamps=true',
    ]);
  });

  it('keeps the timestamps when they were asked for, and re-opens as often as it stalls', async () => {
    const { client, urls } = await follower([stallAfter(1), stallAfter(3), endWith()]);
    const lines = await collect(
      client.logs('ns', 'pod-1', {
        container: 'step',
        follow: true,
        timestamps: true,
        tailLines: 4,
      }),
    );
    // tailLines picks the lines of the first open only; the re-opens go on from the last line.
    expect(lines).toEqual(log.map((e) => `${e.at} ${e.text}`));
    expect(urls().filter((u) => u.includes('/log'))).toEqual([
      '/api/v1/namespaces/ns/pods/pod-1/log?container=step&follow=true&tailLines=4&timestamps=true',
      '/api/v1/namespaces/ns/pods/pod-1/log?container=step&follow=true&sinceTime=2026-01-01T00:00:05Z&timestamps=true',
      '/api/v1/namespaces/ns/pods/pod-1/log?container=step&follow=true&sinceTime=2026-01-01T00:00:05Z&timestamps=true',
    ]);
  });

  it('re-opens a log whose connection broke, without repeating a line', async () => {
    const { client } = await follower([
      (req, res) => {
        stallAfter(2)(req, res);
        setTimeout(() => res.destroy(), 20);
      },
      endWith(),
    ]);
    expect(await collect(client.logs('ns', 'pod-1', { follow: true }))).toEqual(texts);
  });

  it('ends as the server ends it once the container stopped, without re-opening', async () => {
    const { client, urls } = await follower([endWith()]);
    expect(await collect(client.logs('ns', 'pod-1', { follow: true }))).toEqual(texts);
    expect(urls()).toEqual(['/api/v1/namespaces/ns/pods/pod-1/log?follow=true&timestamps=true']);
  });

  it('reads the rest of a container that ended during the stall without following, and ends', async () => {
    // Were the rest followed again, this server would stall it for ever.
    const { client, urls } = await follower(
      [
        stallAfter(2),
        (req, res) => (req.url?.includes('follow') ? stallAfter(5)(req, res) : endWith()(req, res)),
      ],
      terminatedPod,
    );
    expect(await collect(client.logs('ns', 'pod-1', { follow: true }))).toEqual(texts);
    expect(urls().at(-1)).toBe(
      '/api/v1/namespaces/ns/pods/pod-1/log?sinceTime=2026-01-01T00:00:05Z&timestamps=true',
    );
  });

  it('ends when the pod was deleted during the stall', async () => {
    const { client, urls } = await follower([stallAfter(2)], null);
    expect(await collect(client.logs('ns', 'pod-1', { follow: true }))).toEqual(['one', 'two']);
    expect(urls()).toHaveLength(2);
  });

  it('fails with LogFollowError, classified by the status code, when re-opens keep failing', async () => {
    const { client, urls } = await follower(
      [stallAfter(2), status(503, 'ServiceUnavailable')],
      runningPod,
      { reopenAttempts: 2 },
    );
    const lines: string[] = [];
    const error = await (async () => {
      for await (const line of client.logs('ns', 'pod-1', { follow: true })) lines.push(line);
    })().catch((e: unknown) => e);
    expect(lines).toEqual(['one', 'two']);
    expect(error).toBeInstanceOf(LogFollowError);
    expect(error).toMatchObject({
      reason: 'Unavailable',
      statusCode: 503,
      retryable: true,
      attempts: 3,
      message:
        'logs Pod ns/pod-1: ServiceUnavailable; gave up following the log after 3 failed opens in a row',
    });
    // The first open, the pod read after its stall, and three re-opens.
    expect(urls().filter((u) => u.includes('/log'))).toHaveLength(4);
  });

  it('fails at once, as it is, when a re-open is refused for good or the first open fails', async () => {
    const refused = await follower([stallAfter(2), status(403, 'Forbidden')]);
    const error = await collect(refused.client.logs('ns', 'pod-1', { follow: true })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).not.toBeInstanceOf(LogFollowError);
    expect(error).toMatchObject({ reason: 'Forbidden', statusCode: 403 });
    const down = await follower([status(503, 'ServiceUnavailable'), endWith()]);
    await expect(collect(down.client.logs('ns', 'pod-1', { follow: true }))).rejects.toMatchObject({
      reason: 'Unavailable',
      statusCode: 503,
    });
    expect(down.urls()).toHaveLength(1);
  });

  it('waits on a silent log for good with an idle bound of 0, and refuses a bad one', async () => {
    let response: ServerResponse | undefined;
    const { client, urls } = await follower([
      (req, res) => {
        stallAfter(1)(req, res);
        response = res;
      },
    ]);
    const lines = client
      .logs('ns', 'pod-1', { follow: true, idleTimeoutMs: 0 })
      [Symbol.asyncIterator]();
    expect(await lines.next()).toEqual({ done: false, value: 'one' });
    const next = lines.next();
    await new Promise((resolve) => setTimeout(resolve, 500));
    response?.end(`${at(5, 200)} two\n`);
    expect(await next).toEqual({ done: false, value: 'two' });
    expect(await lines.next()).toEqual({ done: true, value: undefined });
    expect(urls()).toHaveLength(1);
    await expect(
      client.logs('ns', 'pod-1', { follow: true, idleTimeoutMs: -1 }).next(),
    ).rejects.toBeInstanceOf(ConfigurationError);
    expect(() => new KubeClient(new KubeConfig(), { logFollow: { reopenAttempts: 1.5 } })).toThrow(
      ConfigurationError,
    );
  });

  it('ends without an error when the signal fires during the backoff', async () => {
    const { client } = await follower(
      [stallAfter(2), status(503, 'ServiceUnavailable')],
      runningPod,
      {
        reopenBackoffMs: 60_000,
      },
    );
    const stop = new AbortController();
    const lines: string[] = [];
    const done = (async () => {
      for await (const line of client.logs('ns', 'pod-1', { follow: true, signal: stop.signal }))
        lines.push(line);
    })();
    await new Promise((resolve) => setTimeout(resolve, 400));
    stop.abort();
    await done;
    expect(lines).toEqual(['one', 'two']);
  });
});
