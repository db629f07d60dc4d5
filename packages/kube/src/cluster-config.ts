import type { RequestOptions } from 'node:https';
import type { Cluster } from '@kubernetes/client-node';

/**
 * What a client needs from a kubeconfig: the current cluster, and the TLS material and headers
 * for the current user. `@kubernetes/client-node`'s `KubeConfig` is one; `loadKubeConfig`
 * returns a lighter one. Requiring only these members, rather than the class, lets a process
 * talk to the API server without loading client-node's generated API (about 80 MiB).
 */
export interface ClusterConfig {
  getCurrentCluster(): Cluster | null;
  /**
   * Sets the TLS fields (`ca`, `cert`, `key`, `pfx`, `passphrase`, `rejectUnauthorized`,
   * `servername`), `headers` and basic `auth` of a request; called for every request, so
   * credentials that rotate are picked up.
   */
  applyToHTTPSOptions(options: RequestOptions): Promise<void>;
  /**
   * The API server refused the credentials a request sent (401; `rejected` carries its
   * Authorization header): forget the cached one if it is the one refused, so the next request
   * gets a fresh one. client-go's exec authenticator does the same: a plugin's token without an
   * expiry would otherwise be sent, revoked, until the process restarts.
   */
  credentialsRejected?(rejected?: { readonly authorization?: string | undefined }): void;
}
