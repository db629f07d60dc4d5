import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient } from './kube-client.js';

/** A loopback HTTP server standing in for the API server's pod log endpoint. */
async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  timeoutMs = 5_000,
) {
  const requests: { url: string; authorization: string | undefined }[] = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const client = new KubeClient(config, { timeoutMs });
  running.push({ server, client });
  return { client, requests };
}

const running: { server: Server; client: KubeClient }[] = [];
afterEach(async () => {
  for (const { server, client } of running.splice(0)) {
    await client.close();
    // A response a test left open (a followed log) must not keep the server up.
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

describe('KubeClient.logs', () => {
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
    expect(requests[0]?.url).toBe('/api/v1/namespaces/ns/pods/pod-1/log?follow=true');
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
