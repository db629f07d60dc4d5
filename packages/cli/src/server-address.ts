import type { LoadedKubeConfig } from '@roundhouse/kube';
import { InputError } from './errors.js';

/**
 * The API server's address as messages show it. A kubeconfig's `server` may carry a user and
 * password (`https://admin:secret@host`) or a token in its query; an error is read on screen
 * and kept in CI logs, so only the scheme, host, port and path are said.
 */
export function shownServer(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    // Not a URL, so no request goes there; what it is matters more than what it holds.
    return server.includes('@') ? '(a server address that is not a URL)' : server;
  }
  if (!url.username && !url.password && !url.search && !url.hash) return server;
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

/**
 * Refuses a current cluster whose `server` no request can go to: not an http(s) URL, or plain
 * HTTP (a local `kubectl proxy`) without `insecure-skip-tls-verify`, which every request would
 * fail against in words naming neither the kubeconfig nor the field. Nothing
 * of the address but its scheme is quoted: it may carry a password.
 */
export function checkServerAddress(
  config: Pick<LoadedKubeConfig, 'getCurrentCluster'>,
  source: string,
): void {
  const cluster = config.getCurrentCluster();
  if (!cluster) return;
  const field = `the server of cluster ${cluster.name} in ${source}`;
  let protocol: string;
  try {
    protocol = new URL(cluster.server).protocol;
  } catch {
    protocol = '';
  }
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new InputError(
      { path: '--kubeconfig', message: `${field} is not an http(s) URL` },
      'set it to the API server address your cluster provider gives, such as https://203.0.113.10:6443 (kubectl config view --minify shows it)',
    );
  }
  if (protocol === 'http:' && !cluster.skipTLSVerify && !cluster.proxyUrl) {
    throw new InputError(
      {
        path: '--kubeconfig',
        message: `${field} is plain http://, which is taken only with insecure-skip-tls-verify: true`,
      },
      `use the API server's https:// address; for a local kubectl proxy, add insecure-skip-tls-verify: true to cluster ${cluster.name}`,
    );
  }
}
