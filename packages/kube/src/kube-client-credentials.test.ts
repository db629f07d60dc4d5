import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { RequestOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbortedError } from '@roundhouse/core';
import { describe, expect, it, vi } from 'vitest';
import { KubeClient } from './kube-client.js';
import { KubernetesApiError } from './kubernetes-errors.js';
import { LightKubeConfig } from './light-kube-config.js';
import { closedAfterEach } from './loopback.test-support.js';
import { resources } from './resources.js';

/**
 * A loopback API server, and a client whose kubeconfig hands out credentials only once the
 * test calls `credentialsReady`, as an exec plugin waiting on its identity provider does; until
 * then it hangs, as one that never exits does.
 */
async function serve(timeoutMs: number) {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let credentialsReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    credentialsReady = resolve;
  });
  const client = new KubeClient(
    {
      getCurrentCluster: () => ({
        name: 'c',
        server: `http://127.0.0.1:${port}`,
        skipTLSVerify: true,
      }),
      applyToHTTPSOptions: async (options: RequestOptions) => {
        await ready;
        options.rejectUnauthorized = false;
        options.headers = { Authorization: 'Bearer late-token' };
      },
    },
    { timeoutMs },
  );
  track(server, client);
  return { client, credentialsReady, requests: () => requests };
}

const track = closedAfterEach();

const stall = { stallTimeoutMs: 60_000 };
const credentialsTimeout = (operation: string, timeoutMs = 100) =>
  `${operation}: the kubeconfig's credentials were not ready within ${timeoutMs} ms; check its exec credential plugin`;

describe('KubeClient while the credentials step hangs', () => {
  it('fails a request after its timeout, and does not send it when the credentials come late', async () => {
    const { client, credentialsReady, requests } = await serve(100);
    const error = await client
      .create(resources.configMaps, 'ns', { metadata: { name: 'cm' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({
      reason: 'Timeout',
      retryable: true,
      statusCode: undefined,
      message: credentialsTimeout('create ConfigMap ns/cm'),
    });
    credentialsReady();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(requests()).toBe(0);
    // The client still works; each try has the same 100 ms, which a loaded machine can miss.
    await vi.waitFor(
      async () => expect(await client.get(resources.configMaps, 'ns', 'cm')).toEqual({}),
      { timeout: 10_000, interval: 10 },
    );
    expect(requests()).toBeGreaterThanOrEqual(1);
  });

  it("stops a request when the caller's signal fires, a timeout signal included", async () => {
    const { client } = await serve(60_000);
    const error = await client
      .get(resources.configMaps, 'ns', 'cm', { signal: AbortSignal.timeout(50) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect(error).toMatchObject({ message: 'get ConfigMap ns/cm was aborted' });
  });

  it('ends a watch as stopped by its signal, or failed with Timeout after the request timeout', async () => {
    const { client } = await serve(100);
    const onEvent = () => undefined;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    expect(
      await client.watch(resources.configMaps, 'ns', onEvent, {
        ...stall,
        signal: controller.signal,
      }),
    ).toEqual({ end: 'stopped' });
    const outcome = await client.watch(resources.configMaps, 'ns', onEvent, stall);
    expect(outcome).toMatchObject({
      end: 'failed',
      error: { reason: 'Timeout', message: credentialsTimeout('watch ConfigMap ns') },
    });
  });

  it("ends a pod's log when its signal fires, and fails it with Timeout after the request timeout", async () => {
    const { client } = await serve(100);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const lines: string[] = [];
    for await (const line of client.logs('ns', 'pod', { signal: controller.signal }))
      lines.push(line);
    expect(lines).toEqual([]);
    const error = await client
      .logs('ns', 'pod', { follow: true })
      .next()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      reason: 'Timeout',
      message: credentialsTimeout('logs Pod ns/pod'),
    });
  });
});

describe('KubeClient with an exec credential plugin that hangs', () => {
  it('runs it once for the requests that time out waiting on it, not once per request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roundhouse-exec-'));
    try {
      const [script, runs] = [join(dir, 'plugin.mjs'), join(dir, 'runs')];
      writeFileSync(runs, '');
      writeFileSync(
        script,
        `import { appendFileSync } from 'node:fs';
         appendFileSync(${JSON.stringify(runs)}, 'run\\n');
         setInterval(() => {}, 1_000);`,
      );
      const client = new KubeClient(
        new LightKubeConfig({
          context: 'x',
          cluster: { name: 'c', server: 'http://127.0.0.1:9', skipTLSVerify: true },
          user: { name: 'ci', exec: { command: process.execPath, args: [script] } },
          exec: { timeoutMs: 1_000, backoffMs: 60_000 },
        }),
        { timeoutMs: 200 },
      );
      const errors = await Promise.all(
        ['a', 'b', 'c'].map((name) =>
          client.get(resources.configMaps, 'ns', name).catch((e: unknown) => e),
        ),
      );
      expect(errors.map((e) => (e as KubernetesApiError).message)).toEqual([
        credentialsTimeout('get ConfigMap ns/a', 200),
        credentialsTimeout('get ConfigMap ns/b', 200),
        credentialsTimeout('get ConfigMap ns/c', 200),
      ]);
      // Once the plugin is killed, a request fails at once with why, within the backoff.
      const reason = () =>
        client.get(resources.configMaps, 'ns', 'd').catch((e: KubernetesApiError) => e.reason);
      await expect.poll(reason, { timeout: 5_000 }).toBe('CredentialPluginFailed');
      await expect(client.get(resources.configMaps, 'ns', 'd')).rejects.toMatchObject({
        message: expect.stringMatching(
          /gave no credential within 1000 ms and was killed; it runs again in \d+ s$/,
        ),
      });
      expect(readFileSync(runs, 'utf8')).toBe('run\n');
      await client.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
