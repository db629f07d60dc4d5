/**
 * Error answers no API server sends but a proxy in front of one may: far larger than a Status,
 * or never ending. A loopback server, so that the client's reading, and its stopping, reach the
 * sender through TCP's flow control.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { KubeClient } from './kube-client.js';
import { KubernetesApiError } from './kubernetes-errors.js';
import { closedAfterEach, loopbackKubeConfig } from './loopback.test-support.js';
import { resources } from './resources.js';

const MiB = 1024 * 1024;

const track = closedAfterEach();

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  timeoutMs: number,
) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const config = loopbackKubeConfig(port);
  const client = new KubeClient(config, { timeoutMs });
  track(server, client);
  return client;
}

/** `head`, then `x` up to `totalBytes`, made as the reader takes it. */
function body(head: string, totalBytes: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      const chunk = sent === 0 ? head : 'x'.repeat(Math.min(64 * 1024, totalBytes - sent));
      sent += chunk.length;
      this.push(chunk === '' ? null : chunk);
    },
  });
}

describe('an error answer larger than a Status', () => {
  it('is classified by its status, read only to its start', async () => {
    let whole: boolean | undefined;
    const client = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.on('close', () => {
        whole = res.writableFinished;
      });
      body('<html>proxy error', 96 * MiB).pipe(res);
    }, 120_000);
    const error = await client.get(resources.configMaps, 'ns', 'settings').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({ reason: 'InternalError', statusCode: 500 });
    await vi.waitFor(() => expect(whole).toBe(false), { timeout: 30_000 });
  }, 60_000);
});

describe('a log request answered with an error whose body never ends', () => {
  it('fails with the status once the request timeout passed, not never', async () => {
    const client = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.write('{"kind":"Status","message":"kubelet');
    }, 500);
    const read = async () => {
      for await (const _line of client.logs('ns', 'pod-1', { follow: true })) {
        // The error comes before any line.
      }
    };
    const error = await read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({ reason: 'InternalError', statusCode: 500 });
  }, 20_000);
});

describe('a successful answer larger than any object', () => {
  it('fails the read naming the ceiling and the fix, left unread, where it was held whole', async () => {
    let whole: boolean | undefined;
    const client = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.on('close', () => {
        whole = res.writableFinished;
      });
      body('{"kind":"ConfigMap","data":{"x":"', 96 * MiB).pipe(res);
    }, 120_000);
    const error = await client.get(resources.configMaps, 'ns', 'settings').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({ reason: 'Unknown', statusCode: 200, retryable: false });
    expect((error as Error).message).toBe(
      "get ConfigMap ns/settings: the API server's answer is over 64 MiB, more than this client reads of one answer; check that the kubeconfig's server is the API server",
    );
    await vi.waitFor(() => expect(whole).toBe(false), { timeout: 30_000 });
  }, 60_000);

  it('reads an object just under the ceiling whole', async () => {
    const value = 'y'.repeat(60 * MiB);
    const client = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'ConfigMap', metadata: { name: 'big' }, data: { value } }));
    }, 120_000);
    const got = await client.get<{ data: { value: string } }>(resources.configMaps, 'ns', 'big');
    expect(got?.data.value.length).toBe(value.length);
  }, 60_000);
});
