import type { RequestOptions } from 'node:https';
import type { Cluster } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ClusterConfig } from './cluster-config.js';
import { ConnectionPool } from './connection-pool.js';

/** A kubeconfig whose client certificate the test changes, handed out as a new Buffer per call. */
function rotatingConfig(cluster: Partial<Cluster> = {}) {
  const state = { cert: 'cert-1', token: 'token-1' };
  const config: ClusterConfig = {
    getCurrentCluster: () => ({
      name: 'c',
      server: 'https://api.example.com:6443/',
      skipTLSVerify: false,
      ...cluster,
    }),
    applyToHTTPSOptions: async (options: RequestOptions) => {
      options.ca = Buffer.from('ca');
      options.cert = Buffer.from(state.cert);
      options.headers = { Authorization: `Bearer ${state.token}` };
    },
  };
  return { config, state };
}

describe('ConnectionPool', () => {
  it('keeps its pool while the TLS material is the same and replaces it when it changes', async () => {
    const { config, state } = rotatingConfig();
    const pool = new ConnectionPool(config);
    const first = await pool.prepare('/api/v1/pods', 'list Pod');
    expect(first.url).toBe('https://api.example.com:6443/api/v1/pods');
    expect(first.dispatcher).toBeDefined();
    state.token = 'token-2';
    const second = await pool.prepare('/api', 'get');
    expect(second.headers.Authorization).toBe('Bearer token-2');
    expect(second.dispatcher).toBe(first.dispatcher);
    const watch = await pool.prepare('/api', 'watch', true);
    expect(watch.dispatcher).not.toBe(first.dispatcher);
    state.cert = 'cert-2';
    const rotated = await pool.prepare('/api', 'get');
    expect(rotated.dispatcher).not.toBe(first.dispatcher);
    expect((await pool.prepare('/api', 'get')).dispatcher).toBe(rotated.dispatcher);
    await pool.close();
  });

  it("splits the URL into the origin and the path a dispatcher takes, as the server's URL reads", async () => {
    let server = 'https://api.example.com:443/k8s/clusters/c-1/';
    const pool = new ConnectionPool({
      getCurrentCluster: () => ({ name: 'c', server, skipTLSVerify: false }),
      applyToHTTPSOptions: async () => {},
    });
    const proxied = await pool.prepare('/api/v1/pods?limit=1', 'list Pod');
    expect(proxied.url).toBe('https://api.example.com:443/k8s/clusters/c-1/api/v1/pods?limit=1');
    const parsed = new URL(proxied.url);
    expect(proxied).toMatchObject({
      origin: parsed.origin,
      path: parsed.pathname + parsed.search,
    });
    expect(proxied.origin).toBe('https://api.example.com');
    server = 'https://other:6443';
    expect(await pool.prepare('/api', 'get')).toMatchObject({
      origin: 'https://other:6443',
      path: '/api',
    });
    for (server of ['not a url', 'https://odd/?q=1']) {
      expect(await pool.prepare('/api', 'get')).toMatchObject({ origin: undefined });
    }
  });

  it('sends basic auth as a header and leaves a cluster without TLS material on the global dispatcher', async () => {
    const pool = new ConnectionPool({
      getCurrentCluster: () => ({ name: 'c', server: 'https://api', skipTLSVerify: false }),
      applyToHTTPSOptions: async (options) => {
        options.auth = 'alice:secret';
      },
    });
    const prepared = await pool.prepare('/api', 'get');
    expect(prepared.headers.authorization).toBe(
      `Basic ${Buffer.from('alice:secret').toString('base64')}`,
    );
    expect(prepared.dispatcher).toBeUndefined();
  });

  it('refuses plain HTTP unless TLS verification is explicitly skipped', async () => {
    const { config } = rotatingConfig({ server: 'http://api.example.com' });
    await expect(new ConnectionPool(config).prepare('/api', 'get')).rejects.toThrow(/plain HTTP/);
  });

  it('pools connections through a SOCKS5 proxy as through any other', async () => {
    const { config, state } = rotatingConfig({ proxyUrl: 'socks5://user:pw@proxy:1080' });
    const pool = new ConnectionPool(config);
    const first = await pool.prepare('/api', 'get');
    expect(first.dispatcher).toBeDefined();
    state.token = 'token-2';
    expect((await pool.prepare('/api', 'get')).dispatcher).toBe(first.dispatcher);
    await pool.close();
  });

  it.each([
    ['socks4://proxy:1080', /uses socks4, which kubectl does not support either/],
    ['socks5://', /names no host/],
  ])('refuses the proxy-url %s before any request', async (proxyUrl, problem) => {
    const { config } = rotatingConfig({ proxyUrl });
    await expect(new ConnectionPool(config).prepare('/api', 'get')).rejects.toMatchObject({
      reason: 'ConfigurationError',
      message: expect.stringMatching(problem),
    });
  });
});
