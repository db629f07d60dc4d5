import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import {
  constants,
  createSecureServer,
  type Http2Server,
  type Http2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type KubeClientOptions } from './kube-client.js';
import { LightKubeConfig } from './light-kube-config.js';
import { resources } from './resources.js';
import type { SocksCredentials } from './socks-handshake.js';
import { socksTo } from './socks-proxy.test-support.js';

/** A throwaway certificate for 127.0.0.1 that is its own CA. */
let tls: { key: Buffer; cert: Buffer };
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'roundhouse-h2-'));
  try {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-subj',
      '/CN=roundhouse-h2-test',
      '-days',
      '1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    tls = { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** How the test server treats a stream: by the connection it came on (0 is the first) and its path. */
type Handler = (stream: ServerHttp2Stream, path: string, connection: number) => void;

/**
 * A TCP relay in front of the server: `blackHole` makes the connections relayed so far drop
 * everything either way without closing, as a network partition or a dropped NAT entry does
 * (the server's own HTTP/2 stack would answer every PING); connections made later pass.
 */
async function relayTo(port: number) {
  const relayed: { client: Socket; server: Socket; dropped: boolean }[] = [];
  const relay = createServer((client) => {
    const pair = { client, server: connect(port, '127.0.0.1'), dropped: false };
    relayed.push(pair);
    client.on('data', (data) => pair.dropped || pair.server.write(data));
    pair.server.on('data', (data) => pair.dropped || client.write(data));
    for (const socket of [client, pair.server]) {
      socket.on('error', () => undefined);
      socket.on('close', () => {
        pair.client.destroy();
        pair.server.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    port: (relay.address() as AddressInfo).port,
    blackHole: () => {
      for (const pair of relayed) pair.dropped = true;
    },
    close: async () => {
      for (const pair of relayed) pair.client.destroy();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}

/** An HTTP proxy that tunnels CONNECT requests to `port`, whatever they ask for. */
async function tunnelTo(port: number) {
  const proxy = createHttpServer();
  proxy.on('connect', (_request, client: Socket) => {
    const server = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      client.pipe(server).pipe(client);
    });
    for (const socket of [client, server]) socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return proxy;
}

/** A loopback HTTP/2 API server behind a relay (and a proxy), and a client that trusts it. */
async function serve(
  handler: Handler,
  options: KubeClientOptions,
  via?: 'proxy' | 'socks',
  credentials: { required?: SocksCredentials; given?: SocksCredentials } = {},
) {
  const { required, given = required } = credentials;
  const sessions: Http2Session[] = [];
  const served: { path: string; connection: number }[] = [];
  const server = createSecureServer({ ...tls, allowHTTP1: false });
  server.on('session', (session) => sessions.push(session));
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    const connection = sessions.indexOf(stream.session as Http2Session);
    served.push({ path, connection });
    handler(stream, path, connection);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const relay = await relayTo((server.address() as AddressInfo).port);
  const proxy = via === 'proxy' ? await tunnelTo(relay.port) : undefined;
  const socks = via === 'socks' ? await socksTo(relay.port, required) : undefined;
  const userinfo = given
    ? `${encodeURIComponent(given.username)}:${encodeURIComponent(given.password)}@`
    : '';
  const config = new LightKubeConfig({
    context: 'x',
    cluster: {
      name: 'c',
      server: `https://127.0.0.1:${relay.port}`,
      caData: tls.cert.toString('base64'),
      skipTLSVerify: false,
      ...(proxy ? { proxyUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` } : {}),
      ...(socks ? { proxyUrl: `socks5://${userinfo}127.0.0.1:${socks.port}` } : {}),
    },
    user: { name: 'u', token: 'secret-token' },
  });
  const client = new KubeClient(config, options);
  running.push({ server, sessions, client, relay, proxy: proxy ?? socks?.proxy });
  return {
    client,
    served,
    blackHole: relay.blackHole,
    connections: () => sessions.length,
    tunnels: socks?.tunnels ?? [],
  };
}

const running: {
  server: Http2Server;
  sessions: Http2Session[];
  client: KubeClient;
  relay: { close(): Promise<void> };
  proxy: HttpServer | (Server & { closeAllConnections(): void }) | undefined;
}[] = [];
afterEach(async () => {
  for (const { server, sessions, client, relay, proxy } of running.splice(0)) {
    await client.close();
    for (const session of sessions) session.destroy();
    await relay.close();
    proxy?.closeAllConnections();
    proxy?.close();
    await new Promise((resolve) => server.close(resolve));
  }
});

function answer(stream: ServerHttp2Stream, body: unknown) {
  stream.respond({ ':status': 200, 'content-type': 'application/json' });
  stream.end(JSON.stringify(body));
}

const configMap = { metadata: { name: 'cm', namespace: 'ns' } };

/** A log line as the API server sends it with `timestamps=true`. */
const stamped = (text: string, nanos = 0) => `2026-01-01T00:00:05.00000000${nanos}Z ${text}\n`;

describe('KubeClient over HTTP/2', () => {
  it('keeps the connection when a request times out on it, since it still answers PINGs', async () => {
    // A request the API server takes too long over, as a big list can be.
    const { client, served, connections } = await serve(
      (stream, path) => {
        if (!path.endsWith('/slow')) answer(stream, configMap);
      },
      { timeoutMs: 300, pingIntervalMs: 100, pingTimeoutMs: 100 },
    );
    expect(await client.get(resources.configMaps, 'ns', 'cm')).toEqual(configMap);
    await expect(client.get(resources.configMaps, 'ns', 'slow')).rejects.toMatchObject({
      reason: 'Timeout',
    });
    // Long enough for several PINGs: the quiet connection is alive, so it stays.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await client.get(resources.configMaps, 'ns', 'cm')).toEqual(configMap);
    expect(served.map((s) => s.connection)).toEqual([0, 0, 0]);
    expect(connections()).toBe(1);
  });

  it("sends every request through one SOCKS5 tunnel, with the proxy-url's credentials", async () => {
    const { client, served, tunnels, connections } = await serve(
      (stream) => answer(stream, configMap),
      {},
      'socks',
      { required: { username: 'ops', password: 'p@ss:word' } },
    );
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => client.get(resources.configMaps, 'ns', 'cm')),
    );
    expect(answers).toEqual(Array(20).fill(configMap));
    expect(served).toHaveLength(20);
    // HTTP/2 over the tunnel: one connection, asked for by the server's own address.
    expect(connections()).toBe(1);
    expect(tunnels).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+$/)]);
  });

  it('fails a request whose SOCKS5 proxy refuses its credentials, without repeating them', async () => {
    const { client, served } = await serve((stream) => answer(stream, configMap), {}, 'socks', {
      required: { username: 'ops', password: 'right' },
      given: { username: 'ops', password: 'wrong-secret' },
    });
    const failure = await client.get(resources.configMaps, 'ns', 'cm').catch((error) => error);
    expect(failure).toMatchObject({ reason: 'Unknown' });
    expect(String(failure.message)).toMatch(
      /^get ConfigMap ns\/cm: the SOCKS proxy 127\.0\.0\.1:\d+ refused the username and password of the proxy-url$/,
    );
    expect(JSON.stringify({ ...failure, message: failure.message })).not.toContain('wrong-secret');
    expect(served).toEqual([]);
  });

  it('says the SOCKS5 proxy, not the API server, could not be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const client = new KubeClient(
      new LightKubeConfig({
        context: 'x',
        cluster: {
          name: 'c',
          server: 'https://api.example.com:6443',
          caData: tls.cert.toString('base64'),
          skipTLSVerify: false,
          proxyUrl: `socks5://127.0.0.1:${port}`,
        },
        user: { name: 'u', token: 'secret-token' },
      }),
    );
    try {
      await expect(client.get(resources.configMaps, 'ns', 'cm')).rejects.toMatchObject({
        reason: 'Unavailable',
        message: `get ConfigMap ns/cm: the SOCKS proxy 127.0.0.1:${port} could not be reached (ECONNREFUSED)`,
      });
    } finally {
      await client.close();
    }
  });

  it.each([
    ['directly', undefined],
    ['through a proxy', 'proxy'],
    ['through a SOCKS5 proxy', 'socks'],
  ] as const)(
    'breaks off a quiet followed log when its connection stops answering, and resumes it on a new one (%s)',
    async (_, via) => {
      const { client, served, blackHole } = await serve(
        (stream, _path, connection) => {
          stream.respond({ ':status': 200, 'content-type': 'text/plain' });
          // A re-open from the last line gets that line again, and what came after it.
          stream.write(stamped('started'));
          if (connection > 0) stream.end(stamped('finished', 1));
        },
        { pingIntervalMs: 100, pingTimeoutMs: 150, logFollow: { reopenBackoffMs: 1 } },
        via,
      );
      const log = client.logs('ns', 'pod-1', { follow: true })[Symbol.asyncIterator]();
      expect(await log.next()).toEqual({ done: false, value: 'started' });
      const next = log.next();
      // The container is silent for many times the deadline; its log is not taken for dead.
      const quiet = await Promise.race([
        next,
        new Promise((resolve) => setTimeout(() => resolve('still following'), 1_000)),
      ]);
      expect(quiet).toBe('still following');
      // Only the PINGs can find the connection dead: the idle timeout (5 min) ends a follow
      // long after this test's own timeout.
      blackHole();
      expect(await next).toEqual({ done: false, value: 'finished' });
      expect(await log.next()).toEqual({ done: true, value: undefined });
      expect(served.map((s) => s.connection)).toEqual([0, 1]);
    },
  );

  it('re-opens a followed log that stalls behind a connection that still answers, on that connection', async () => {
    let opens = 0;
    const { client, served } = await serve(
      (stream, path) => {
        if (!path.includes('/log')) {
          answer(stream, { metadata: { name: 'pod-1' }, status: { phase: 'Running' } });
          return;
        }
        stream.respond({ ':status': 200, 'content-type': 'text/plain' });
        stream.write(stamped('started'));
        // The first stream stalls, as when the API server's leg to the kubelet hangs.
        if (opens++ > 0) stream.end(stamped('finished', 1));
      },
      { pingIntervalMs: 100, pingTimeoutMs: 100, logFollow: { idleTimeoutMs: 500 } },
    );
    const lines: string[] = [];
    for await (const line of client.logs('ns', 'pod-1', { follow: true })) lines.push(line);
    expect(lines).toEqual(['started', 'finished']);
    // The re-open goes on the connection that still answers; the pod read, a plain request,
    // on the request pool's own.
    const logs = served.filter((s) => s.path.includes('/log'));
    expect(logs).toEqual([
      { path: '/api/v1/namespaces/ns/pods/pod-1/log?follow=true&timestamps=true', connection: 0 },
      {
        path: '/api/v1/namespaces/ns/pods/pod-1/log?follow=true&sinceTime=2026-01-01T00%3A00%3A05Z&timestamps=true',
        connection: 0,
      },
    ]);
    expect(served.map((s) => s.path)).toContain('/api/v1/namespaces/ns/pods/pod-1');
  });

  it('fails a read or delete whose stream is reset before its first byte, not calling the object gone', async () => {
    const { client } = await serve(
      (stream) => {
        stream.on('error', () => undefined);
        stream.respond({ ':status': 200, 'content-type': 'application/json' });
        stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      },
      { timeoutMs: 5_000 },
    );
    const broken = {
      reason: 'Unavailable',
      retryable: true,
      statusCode: 200,
      message:
        "get ConfigMap ns/cm: the API server's answer (200) is empty; the connection broke off",
    };
    await expect(client.get(resources.configMaps, 'ns', 'cm')).rejects.toMatchObject(broken);
    await expect(client.delete(resources.configMaps, 'ns', 'cm')).rejects.toMatchObject({
      ...broken,
      message: broken.message.replace('get', 'delete'),
    });
  });

  it('retries a read whose stream is reset partway through a body of announced length', async () => {
    const { client } = await serve(
      (stream) => {
        stream.on('error', () => undefined);
        // As Go's server answers a small object: its length first, then the body.
        stream.respond({
          ':status': 200,
          'content-type': 'application/json',
          'content-length': '200',
        });
        stream.write('{"metadata":{"name":"cm",');
        setTimeout(() => stream.close(constants.NGHTTP2_INTERNAL_ERROR), 20);
      },
      { timeoutMs: 5_000 },
    );
    await expect(client.get(resources.configMaps, 'ns', 'cm')).rejects.toMatchObject({
      reason: 'Unavailable',
      retryable: true,
    });
  });

  it('ends a watch that stalls as failed, and opens the next one on the same live connection', async () => {
    let watches = 0;
    const { client, served } = await serve(
      (stream) => {
        stream.respond({ ':status': 200, 'content-type': 'application/json' });
        if (watches++ > 0) stream.end(`${JSON.stringify({ type: 'ADDED', object: configMap })}\n`);
      },
      { timeoutMs: 5_000, pingIntervalMs: 100, pingTimeoutMs: 100 },
    );
    const events: unknown[] = [];
    const watch = () =>
      client.watch(resources.configMaps, 'ns', (event) => events.push(event.type), {
        stallTimeoutMs: 500,
      });
    expect(await watch()).toMatchObject({ end: 'failed', error: { reason: 'Timeout' } });
    expect(await watch()).toEqual({ end: 'closed' });
    expect(events).toEqual(['ADDED']);
    expect(served.map((s) => s.connection)).toEqual([0, 0]);
  });
});
