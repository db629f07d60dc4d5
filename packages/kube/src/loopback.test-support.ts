import type { Server } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach } from 'vitest';
import type { KubeClient } from './kube-client.js';

/**
 * A kubeconfig for a plain-HTTP server on the loopback port, with a bearer token: the tests that
 * play an API server misbehaving in ways a real one will not (huge or endless bodies, dropped
 * connections) point a `KubeClient` at their own server with it.
 */
export function loopbackKubeConfig(port: number): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return config;
}

/**
 * Registers an `afterEach` that closes every client and loopback server given to the function
 * it returns: the client first, then the server's connections, so a response a test left open
 * (a followed log) does not keep the server up.
 */
export function closedAfterEach(): (server: Server, client: KubeClient) => void {
  const running: { server: Server; client: KubeClient }[] = [];
  afterEach(async () => {
    for (const { server, client } of running.splice(0)) {
      await client.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
  return (server, client) => {
    running.push({ server, client });
  };
}
