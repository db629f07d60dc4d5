import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  createSecureServer,
  type Http2Server,
  type Http2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from './kube-client.js';
import { LightKubeConfig } from './light-kube-config.js';
import { resources } from './resources.js';

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

/** A loopback HTTP/2 API server, and a client that trusts it; `open` counts live connections. */
async function serve(handler: Handler, timeoutMs: number) {
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
  const { port } = server.address() as AddressInfo;
  const config = new LightKubeConfig({
    context: 'x',
    cluster: {
      name: 'c',
      server: `https://127.0.0.1:${port}`,
      caData: tls.cert.toString('base64'),
      skipTLSVerify: false,
    },
    user: { name: 'u', token: 'secret-token' },
  });
  const client = new KubeClient(config, { timeoutMs });
  running.push({ server, sessions, client });
  return {
    client,
    served,
    connections: () => sessions.length,
    open: () => sessions.filter((s) => !s.closed && !s.destroyed).length,
  };
}

const running: { server: Http2Server; sessions: Http2Session[]; client: KubeClient }[] = [];
afterEach(async () => {
  for (const { server, sessions, client } of running.splice(0)) {
    await client.close();
    for (const session of sessions) session.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

function answer(stream: ServerHttp2Stream, body: unknown) {
  stream.respond({ ':status': 200, 'content-type': 'application/json' });
  stream.end(JSON.stringify(body));
}

const configMap = { metadata: { name: 'cm', namespace: 'ns' } };

describe('KubeClient over HTTP/2', () => {
  it('dials a new connection after a request times out on one that stopped answering', async () => {
    // The first connection black-holes every stream, as one a NAT dropped silently does.
    const { client, served, connections, open } = await serve((stream, _path, connection) => {
      if (connection > 0) answer(stream, configMap);
    }, 500);
    await expect(client.get(resources.configMaps, 'ns', 'cm')).rejects.toMatchObject({
      reason: 'Timeout',
    });
    for (let i = 0; i < 20; i++) {
      expect(await client.get(resources.configMaps, 'ns', 'cm')).toEqual(configMap);
    }
    expect(served.map((s) => s.connection)).toEqual([0, ...Array(20).fill(1)]);
    expect(connections()).toBe(2);
    // The dead connection is closed, not left to the kernel's retransmission timeout.
    await expect.poll(open).toBe(1);
    await client.close();
    await expect.poll(open).toBe(0);
  });

  it('lets a request in flight on the replaced connection finish', async () => {
    let release: () => void = () => undefined;
    const { client, served, open } = await serve((stream, path, connection) => {
      if (connection > 0) answer(stream, configMap);
      else if (path.endsWith('/held')) release = () => answer(stream, configMap);
    }, 1_000);
    const silent = client.get(resources.configMaps, 'ns', 'silent');
    await expect.poll(() => served.length).toBe(1);
    // Sent halfway through the silent one's timeout, so that it is still within its own.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const held = client.get(resources.configMaps, 'ns', 'held');
    await expect(silent).rejects.toMatchObject({ reason: 'Timeout' });
    expect(await client.get(resources.configMaps, 'ns', 'cm')).toEqual(configMap);
    release();
    expect(await held).toEqual(configMap);
    expect(served.map((s) => [s.path.split('/').pop(), s.connection])).toEqual([
      ['silent', 0],
      ['held', 0],
      ['cm', 1],
    ]);
    await expect.poll(open).toBe(1);
  });

  it('opens the next watch on a new connection after a watch stalls', async () => {
    const { client, served, open } = await serve((stream, _path, connection) => {
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      if (connection > 0) {
        stream.end(`${JSON.stringify({ type: 'ADDED', object: configMap })}\n`);
      }
    }, 5_000);
    const events: unknown[] = [];
    const watch = () =>
      client.watch(resources.configMaps, 'ns', (event) => events.push(event.type), {
        stallTimeoutMs: 300,
      });
    expect(await watch()).toMatchObject({ end: 'failed', error: { reason: 'Timeout' } });
    expect(await watch()).toEqual({ end: 'closed' });
    expect(events).toEqual(['ADDED']);
    expect(served.map((s) => s.connection)).toEqual([0, 1]);
    await expect.poll(open).toBe(1);
  });
});
