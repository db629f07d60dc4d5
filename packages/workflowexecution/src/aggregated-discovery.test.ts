import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError } from '@roundhouse/core';
import type { ClusterConfig } from '@roundhouse/kube';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AggregatedDiscovery } from './aggregated-discovery.js';
import { DiscoveryUnreadableError } from './kind-table.js';

const list = (name: string) => ({
  kind: 'APIGroupDiscoveryList',
  apiVersion: 'apidiscovery.k8s.io/v2',
  items: [{ metadata: { name }, versions: [] }],
});

let server: Server | undefined;

afterEach(async () => {
  const running = server;
  server = undefined;
  if (running) await new Promise((resolve) => running.close(resolve));
});

/** An API server that answers every request with `answer`, recording what it was sent. */
async function apiServer(answer: (path: string) => { status: number; body: string }) {
  const requests: IncomingMessage[] = [];
  server = createServer((request, response) => {
    requests.push(request);
    const { status, body } = answer(request.url ?? '');
    response.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests };
}

function config(server: string, cluster: { proxyUrl?: string; skipTLSVerify?: boolean } = {}) {
  return {
    getCurrentCluster: () => ({ name: 'test', server, skipTLSVerify: true, ...cluster }),
    applyToHTTPSOptions: async (options: { headers?: Record<string, string> }) => {
      options.headers = { Authorization: 'Bearer token-1' };
    },
    credentialsRejected: vi.fn(),
  } satisfies ClusterConfig;
}

describe('AggregatedDiscovery', () => {
  it("asks /api and /apis for aggregated discovery with the kubeconfig's credentials", async () => {
    const api = await apiServer((path) => ({
      status: 200,
      body: JSON.stringify(list(path === '/api' ? '' : 'apps')),
    }));
    const documents = await new AggregatedDiscovery(config(api.url)).discover();
    expect(documents).toEqual([list(''), list('apps')]);
    expect(api.requests.map((r) => r.url).sort()).toEqual(['/api', '/apis']);
    for (const request of api.requests) {
      expect(request.headers).toMatchObject({
        accept:
          'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
        authorization: 'Bearer token-1',
        'user-agent': 'roundhouse',
      });
    }
  });

  it('tells the kubeconfig its credentials were refused, and fails with the reason', async () => {
    const api = await apiServer(() => ({
      status: 401,
      body: JSON.stringify({ kind: 'Status', reason: 'Unauthorized', message: 'Unauthorized' }),
    }));
    const kubeConfig = config(api.url);
    await expect(new AggregatedDiscovery(kubeConfig).discover()).rejects.toMatchObject({
      reason: 'Unauthorized',
    });
    expect(kubeConfig.credentialsRejected).toHaveBeenCalledWith({
      authorization: 'Bearer token-1',
    });
  });

  it('fails with DiscoveryUnreadable on an answer that is not JSON', async () => {
    const api = await apiServer(() => ({ status: 200, body: '<html>proxy login</html>' }));
    await expect(new AggregatedDiscovery(config(api.url)).discover()).rejects.toBeInstanceOf(
      DiscoveryUnreadableError,
    );
  });

  it('refuses a SOCKS proxy and a plain HTTP server without insecure-skip-tls-verify', async () => {
    const socks = config('https://127.0.0.1:6443', { proxyUrl: 'socks5://127.0.0.1:1080' });
    await expect(new AggregatedDiscovery(socks).discover()).rejects.toBeInstanceOf(
      ConfigurationError,
    );
    const plain = config('http://127.0.0.1:6443', { skipTLSVerify: false });
    await expect(new AggregatedDiscovery(plain).discover()).rejects.toThrow(/plain HTTP/);
  });
});
