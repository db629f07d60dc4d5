import { isIPv6 } from 'node:net';
import { ConfigurationError } from '@roundhouse/core';
import { LightKubeConfig } from './light-kube-config.js';

const serviceAccount = '/var/run/secrets/kubernetes.io/serviceaccount';
export const serviceAccountToken = `${serviceAccount}/token`;

/**
 * The pod's ServiceAccount, as client-go's in-cluster config: the API server from
 * KUBERNETES_SERVICE_HOST and _PORT, the mounted CA, and the mounted token, read again as the
 * kubelet rotates it (client-node's `loadFromCluster` does the same, and loads its generated
 * API with it).
 */
export function inClusterConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): LightKubeConfig {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new ConfigurationError({
      path: 'kubeconfig',
      message:
        'not in a pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set for the in-cluster config',
    });
  }
  return new LightKubeConfig({
    context: 'inClusterContext',
    cluster: {
      name: 'inCluster',
      server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
      caFile: `${serviceAccount}/ca.crt`,
      skipTLSVerify: false,
    },
    user: { name: 'inClusterUser' },
    tokenFile: serviceAccountToken,
  });
}
