/**
 * Past 350 lines: KubeClient's requests and its exec credential plugin, faulted by a scripted
 * HTTP server (answers a real API server cannot give on demand) the cases share.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import {
  AbortedError,
  ConfigurationError,
  withoutRequestGate,
  withRequestGate,
} from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { KubeClient } from './kube-client.js';
import { KubernetesApiError } from './kubernetes-errors.js';
import { LightKubeConfig } from './light-kube-config.js';
import { closedAfterEach, loopbackKubeConfig } from './loopback.test-support.js';
import { resources } from './resources.js';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A loopback HTTP server standing in for the API server, and a client pointed at it. */
async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: { timeoutMs?: number } = {},
) {
  const received: Received[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { method = '', url = '', headers } = req;
      received.push({ method, url, headers, body: Buffer.concat(chunks).toString() });
      handler(req, res);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const config = loopbackKubeConfig(port);
  const client = new KubeClient(config, { userAgent: 'test-agent', ...options });
  track(server, client);
  return { client, received, connections: () => connections };
}

const track = closedAfterEach();

const cm = (name: string) => ({
  metadata: { name, namespace: 'ns', resourceVersion: '1', labels: { app: 'x' } },
  data: { big: 'x'.repeat(64) },
});

function json(res: ServerResponse, status: number, body: unknown, headers: string[] = []) {
  res.writeHead(status, ['content-type', 'application/json', ...headers]);
  res.end(JSON.stringify(body));
}

const notFound = { kind: 'Status', reason: 'NotFound', code: 404, message: 'not found' };

describe('KubeClient', () => {
  it('says how to fix a kubeconfig without a current cluster, before sending anything', async () => {
    const error = await new KubeClient(new KubeConfig())
      .get(resources.jobs, 'ns', 'wfe-1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues[0]).toMatchObject({ path: 'kubeconfig' });
    expect((error as Error).message).toContain(
      'get Job ns/wfe-1: the kubeconfig has no current cluster',
    );
  });

  it('refuses a PING interval or timeout no timer can hold, naming the option', () => {
    for (const pingIntervalMs of [0, 1.5, 2 ** 31]) {
      expect(() => new KubeClient(new KubeConfig(), { pingIntervalMs })).toThrow(
        /^pingIntervalMs: must be a whole number of milliseconds from 1 to 2147483647/,
      );
    }
    expect(() => new KubeClient(new KubeConfig(), { pingTimeoutMs: 2 ** 31 - 1 })).not.toThrow();
  });

  it('refuses to start a request whose signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      new KubeClient(new KubeConfig()).get(resources.jobs, 'ns', 'x', {
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ reason: 'Aborted' });
  });

  it('sends JSON with its content type, and returns the answer with every Warning header', async () => {
    const { client, received } = await serve((_req, res) =>
      json(res, 201, { metadata: { name: 'cm', uid: 'u1' } }, [
        'warning',
        '299 - "first, with a comma"',
        'warning',
        '299 - "second \\"quoted\\""',
      ]),
    );
    const created = await client.create(resources.configMaps, 'ns', {
      metadata: { name: 'cm' },
      data: { k: 'v' },
    });
    expect(created).toEqual({
      object: { metadata: { name: 'cm', uid: 'u1' } },
      warnings: ['first, with a comma', 'second "quoted"'],
    });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      method: 'POST',
      url: '/api/v1/namespaces/ns/configmaps?fieldManager=roundhouse',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        'user-agent': 'test-agent',
        authorization: 'Bearer secret-token',
      },
    });
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm' },
      data: { k: 'v' },
    });
  });

  it("creates a subresource of the named object, such as a ServiceAccount's token", async () => {
    const { client, received } = await serve((_req, res) =>
      json(res, 201, { status: { token: 't0k3n', expirationTimestamp: '2030-01-01T00:00:00Z' } }),
    );
    const created = await client.create(
      resources.serviceAccounts,
      'ns',
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 600 },
      },
      { subresource: { name: 'runner', subresource: 'token' } },
    );
    expect(created.object).toEqual({
      status: { token: 't0k3n', expirationTimestamp: '2030-01-01T00:00:00Z' },
    });
    expect(received[0]).toMatchObject({
      method: 'POST',
      url: '/api/v1/namespaces/ns/serviceaccounts/runner/token?fieldManager=roundhouse',
    });
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 600 },
    });
  });

  it('sends a patch with the content type of its strategy, and no body or content type with a GET', async () => {
    const { client, received } = await serve((_req, res) => json(res, 200, { metadata: {} }));
    await client.patch(resources.jobs, 'ns', 'j', [{ op: 'remove', path: '/x' }], {
      strategy: 'json',
      subresource: 'status',
    });
    await client.get(resources.jobs, 'ns', 'j');
    expect(received.map((r) => [r.method, r.headers['content-type'], r.body])).toEqual([
      ['PATCH', 'application/json-patch+json', '[{"op":"remove","path":"/x"}]'],
      ['GET', undefined, ''],
    ]);
  });

  it('answers null or false for what does not exist, and classifies other failures by their Status', async () => {
    const { client } = await serve((req, res) => {
      if (req.url?.includes('conflict')) {
        json(res, 409, { kind: 'Status', reason: 'Conflict', code: 409, message: 'changed' });
      } else json(res, 404, notFound);
    });
    expect(await client.get(resources.configMaps, 'ns', 'gone')).toBeNull();
    expect(await client.delete(resources.configMaps, 'ns', 'gone')).toBe(false);
    await expect(client.patch(resources.configMaps, 'ns', 'gone', {})).rejects.toMatchObject({
      reason: 'NotFound',
      statusCode: 404,
      message: 'patch ConfigMap ns/gone: not found',
    });
    await expect(client.patch(resources.configMaps, 'ns', 'conflict', {})).rejects.toMatchObject({
      reason: 'Conflict',
      statusCode: 409,
      message: 'patch ConfigMap ns/conflict: changed',
    });
  });

  it('lists page by page, trimming each page as it arrives', async () => {
    const pages: Record<string, unknown> = {
      '': { metadata: { continue: 'p2', resourceVersion: '7' }, items: [cm('a'), cm('b')] },
      p2: { metadata: { resourceVersion: '9' }, items: [cm('c')] },
    };
    const { client, received } = await serve((req, res) => {
      const token = new URL(req.url ?? '', 'http://x').searchParams.get('continue') ?? '';
      json(res, 200, pages[token]);
    });
    const seen: string[] = [];
    const { items, resourceVersion } = await client.list(resources.configMaps, 'ns', {
      limit: 2,
      transform: (item) => {
        // The second page has not been asked for while the first one's items are trimmed.
        seen.push(`${item.metadata?.name} after ${received.length} requests`);
        return { metadata: { name: item.metadata?.name } };
      },
    });
    expect(items).toEqual([
      { metadata: { name: 'a' } },
      { metadata: { name: 'b' } },
      { metadata: { name: 'c' } },
    ]);
    expect(resourceVersion).toBe('9');
    expect(seen).toEqual(['a after 1 requests', 'b after 1 requests', 'c after 2 requests']);
    expect(received.map((r) => r.url)).toEqual([
      '/api/v1/namespaces/ns/configmaps?limit=2',
      '/api/v1/namespaces/ns/configmaps?limit=2&continue=p2',
    ]);
  });

  it('fails a list whose continue token comes back, rather than reading on without end', async () => {
    const { client, received } = await serve((_req, res) =>
      json(res, 200, { metadata: { continue: 'p2', resourceVersion: '7' }, items: [cm('a')] }),
    );
    await expect(client.list(resources.configMaps, 'ns', { limit: 1 })).rejects.toMatchObject({
      reason: 'Unknown',
      message:
        'list ConfigMap ns: the API server sent a continue token it sent before; the list would never end',
    });
    expect(received).toHaveLength(2);
  });

  it('lists again unpaged when a continue token has expired, as client-go does', async () => {
    const expired = { kind: 'Status', reason: 'Expired', code: 410, message: 'too old' };
    const { client, received } = await serve((req, res) => {
      const query = new URL(req.url ?? '', 'http://x').searchParams;
      if (query.get('continue')) json(res, 410, expired);
      else if (query.get('limit')) {
        json(res, 200, { metadata: { continue: 'p2', resourceVersion: '7' }, items: [cm('a')] });
      } else json(res, 200, { metadata: { resourceVersion: '12' }, items: [cm('a'), cm('b')] });
    });
    const trimmed: string[] = [];
    const { items, resourceVersion } = await client.list(resources.configMaps, 'ns', {
      limit: 1,
      labelSelector: 'app=x',
      transform: (item) => {
        trimmed.push(item.metadata?.name as string);
        return { metadata: { name: item.metadata?.name } };
      },
    });
    expect(items).toEqual([{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }]);
    expect(resourceVersion).toBe('12');
    expect(trimmed).toEqual(['a', 'a', 'b']);
    expect(received.map((r) => r.url)).toEqual([
      '/api/v1/namespaces/ns/configmaps?labelSelector=app%3Dx&limit=1',
      '/api/v1/namespaces/ns/configmaps?labelSelector=app%3Dx&limit=1&continue=p2',
      '/api/v1/namespaces/ns/configmaps?labelSelector=app%3Dx',
    ]);
  });

  it('fails a list whose first page is refused as Gone, without asking again', async () => {
    const { client, received } = await serve((_req, res) =>
      json(res, 410, { kind: 'Status', reason: 'Expired', code: 410, message: 'too old' }),
    );
    await expect(client.list(resources.configMaps, 'ns', { limit: 1 })).rejects.toMatchObject({
      reason: 'Gone',
    });
    expect(received).toHaveLength(1);
  });

  it('fails a list whose answer is JSON but no list, rather than reading it as empty', async () => {
    const { client } = await serve((req, res) => {
      if (req.url?.includes('/namespaces/nil/')) {
        // Go encodes an empty slice it left nil as null.
        json(res, 200, { metadata: { resourceVersion: '3' }, items: null });
      } else json(res, 200, {});
    });
    await expect(client.list(resources.configMaps, 'nil')).resolves.toEqual({
      items: [],
      resourceVersion: '3',
    });
    const error = await client.list(resources.configMaps, 'ns').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({
      reason: 'Unknown',
      message:
        "list ConfigMap ns: the API server's answer is not a list; check that the kubeconfig's server is the API server",
    });
  });

  it('takes how long to wait from the Retry-After header of a throttled request', async () => {
    const { client } = await serve((req, res) => {
      if (req.url?.endsWith('/throttled')) {
        // What the API server's priority and fairness filter sends: plain text, no Status.
        res.writeHead(429, { 'content-type': 'text/plain', 'retry-after': '4' });
        res.end('Too many requests, please try again later.\n');
      } else {
        json(res, 503, { kind: 'Status', reason: 'ServiceUnavailable', code: 503 }, [
          'retry-after',
          '1',
        ]);
      }
    });
    await expect(client.get(resources.configMaps, 'ns', 'throttled')).rejects.toMatchObject({
      reason: 'TooManyRequests',
      retryable: true,
      retryAfterSeconds: 4,
    });
    await expect(client.get(resources.configMaps, 'ns', 'shutting-down')).rejects.toMatchObject({
      reason: 'Unavailable',
      retryAfterSeconds: 1,
    });
  });

  it('classifies a successful answer that is not JSON, without quoting it', async () => {
    const { client } = await serve((req, res) => {
      if (req.url?.endsWith('/cut')) {
        // What undici hands over when an HTTP/2 stream is reset mid-body.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"data":{"password":"hunter2');
      } else {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<html>password=hunter2</html>');
      }
    });
    const cut = await client.get(resources.secrets, 'ns', 'cut').catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(KubernetesApiError);
    expect(cut).toMatchObject({
      reason: 'Unavailable',
      retryable: true,
      statusCode: 200,
      message:
        "get Secret ns/cut: the API server's answer (200) is not complete JSON; the connection broke off",
    });
    const page = await client.get(resources.secrets, 'ns', 'page').catch((e: unknown) => e);
    expect(page).toMatchObject({
      reason: 'Unknown',
      retryable: false,
      message:
        "get Secret ns/page: the API server answered 200 with text/html, not JSON; check that the kubeconfig's server is the API server",
    });
  });

  it('reuses its connections whatever the answers were', async () => {
    // Larger than undici buffers, so an unread body would hold its connection.
    const large = { ...notFound, details: { padding: 'x'.repeat(256 * 1024) } };
    const { client, connections } = await serve((req, res) => {
      if (req.url?.endsWith('/missing')) json(res, 404, large);
      else if (req.url?.endsWith('/broken')) json(res, 500, { kind: 'Status', code: 500 });
      else json(res, 200, { metadata: {} });
    });
    for (let i = 0; i < 10; i++) {
      await client.get(resources.configMaps, 'ns', 'missing');
      await client.get(resources.configMaps, 'ns', 'broken').catch(() => undefined);
      await client.get(resources.configMaps, 'ns', 'there');
    }
    // undici frees a connection a moment after its body ends, so the next request may open a
    // second; an unread body would take one more every round.
    expect(connections()).toBeLessThanOrEqual(2);
  });

  it('keeps its connection across deletes, though each carries DeleteOptions', async () => {
    const { client, connections } = await serve((_req, res) => json(res, 200, { kind: 'Status' }));
    for (let i = 0; i < 10; i++) {
      await client.delete(resources.jobs, 'ns', `job-${i}`, { propagationPolicy: 'Background' });
    }
    expect(connections()).toBeLessThanOrEqual(2);
  });

  it('gives up after the timeout, as a Timeout without status, before or during the body', async () => {
    const { client } = await serve(
      (req, res) => {
        if (req.url?.endsWith('/slow-body')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"metadata":');
        }
      },
      { timeoutMs: 100 },
    );
    for (const name of ['silent', 'slow-body']) {
      const error = await client.get(resources.configMaps, 'ns', name).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KubernetesApiError);
      expect(error).toMatchObject({
        reason: 'Timeout',
        statusCode: undefined,
        retryable: true,
        message: `get ConfigMap ns/${name}: request timed out`,
      });
    }
  });

  it('gives up on a watch whose answer does not come within the timeout, but not on its quiet body', async () => {
    const { client } = await serve(
      (req, res) => {
        if (req.url?.includes('labelSelector=answered')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.flushHeaders();
        }
      },
      { timeoutMs: 100 },
    );
    const watch = (labelSelector: string) =>
      client.watch(resources.configMaps, 'ns', () => undefined, {
        labelSelector,
        stallTimeoutMs: 1_000,
      });
    // Never answered: the request timeout ends it, long before the stall timeout would.
    expect(await watch('silent')).toMatchObject({
      end: 'failed',
      error: {
        reason: 'Timeout',
        statusCode: undefined,
        retryable: true,
        message: 'watch ConfigMap ns: no answer within 100 ms',
      },
    });
    // Answered, then silent: only the stall timeout ends it.
    expect(await watch('answered')).toMatchObject({
      end: 'failed',
      error: { reason: 'Timeout', message: 'watch ConfigMap ns: no data for 1000 ms' },
    });
  });

  it('stops a request in flight when its signal fires, as Aborted', async () => {
    const { client } = await serve(() => undefined);
    const controller = new AbortController();
    const pending = client.get(resources.configMaps, 'ns', 'x', { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect(error).toMatchObject({ message: 'get ConfigMap ns/x was aborted' });
  });
});

describe('KubeClient with an exec credential plugin', () => {
  it('runs the plugin again after the API server refused its token, as client-go does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roundhouse-exec-401-'));
    // Each run hands out the next token, without an expiry, so only a refusal renews it.
    const counter = join(dir, 'runs');
    writeFileSync(counter, '0');
    const plugin = join(dir, 'plugin.mjs');
    writeFileSync(
      plugin,
      `import { readFileSync, writeFileSync } from 'node:fs';
const runs = Number(readFileSync(${JSON.stringify(counter)}, 'utf8')) + 1;
writeFileSync(${JSON.stringify(counter)}, String(runs));
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'token-' + runs } }));`,
    );
    const server = createServer((req, res) => {
      if (req.headers.authorization === 'Bearer token-1') {
        json(res, 401, {
          kind: 'Status',
          reason: 'Unauthorized',
          code: 401,
          message: 'Unauthorized',
        });
      } else json(res, 200, cm('a'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const config = new LightKubeConfig({
      context: 'x',
      cluster: { name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true },
      user: {
        name: 'u',
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: process.execPath,
          args: [plugin],
        },
      },
    });
    const client = new KubeClient(config);
    track(server, client);
    try {
      await expect(client.get(resources.configMaps, 'ns', 'a')).rejects.toMatchObject({
        reason: 'Unauthorized',
      });
      expect(await client.get(resources.configMaps, 'ns', 'a')).toMatchObject({
        metadata: { name: 'a' },
      });
      expect(await client.get(resources.configMaps, 'ns', 'a')).not.toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('KubeClient with a token file', () => {
  it('reads the file again after the API server refused its token, within the minute it is kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roundhouse-token-401-'));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'revoked\n');
    const server = createServer((req, res) => {
      if (req.headers.authorization === 'Bearer revoked') {
        json(res, 401, { kind: 'Status', reason: 'Unauthorized', code: 401 });
      } else json(res, 200, cm('a'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const config = new LightKubeConfig({
      context: 'x',
      cluster: { name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true },
      user: { name: 'u' },
      tokenFile,
    });
    const client = new KubeClient(config);
    track(server, client);
    try {
      await expect(client.get(resources.configMaps, 'ns', 'a')).rejects.toMatchObject({
        reason: 'Unauthorized',
      });
      // What the kubelet does with a projected ServiceAccount token, or an operator by hand.
      writeFileSync(tokenFile, 'renewed\n');
      expect(await client.get(resources.configMaps, 'ns', 'a')).toMatchObject({
        metadata: { name: 'a' },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('KubeClient under a request gate', () => {
  it('sends nothing the gate of the work around it refuses, and throws its refusal as is', async () => {
    const { client, received } = await serve((_req, res) => json(res, 200, cm('a')));
    const refusal = new Error('the lease is lost');
    let open = true;
    const gate = () => (open ? undefined : refusal);
    await withRequestGate(gate, async () => {
      await client.get(resources.configMaps, 'ns', 'a');
      open = false;
      await expect(client.get(resources.configMaps, 'ns', 'a')).rejects.toBe(refusal);
      await expect(
        client.patch(resources.configMaps, 'ns', 'a', { data: { b: 'c' } }),
      ).rejects.toBe(refusal);
      await expect(collect(client.logs('ns', 'pod-1'))).rejects.toBe(refusal);
    });
    expect(received.map((r) => r.method)).toEqual(['GET']);
    // Work outside that gate, and work that leaves it, is not held to it.
    await client.get(resources.configMaps, 'ns', 'a');
    await withRequestGate(gate, () =>
      withoutRequestGate(() => client.get(resources.configMaps, 'ns', 'a')),
    );
    expect(received.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
  });
});

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}
