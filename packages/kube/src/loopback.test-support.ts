import { KubeConfig } from '@kubernetes/client-node';

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
