import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { ConfigurationError } from '@roundhouse/core';
import { LightKubeConfig } from './light-kube-config.js';

const serviceAccount = '/var/run/secrets/kubernetes.io/serviceaccount';
export const serviceAccountToken = `${serviceAccount}/token`;

/**
 * The pod's ServiceAccount, as client-go's in-cluster config: the API server from
 * KUBERNETES_SERVICE_HOST and _PORT, the mounted CA, and the mounted token, read again as the
 * kubelet rotates it (client-node's `loadFromCluster` does the same, and loads its generated
 * API with it). The context's namespace is the pod's, as kubectl's in a pod is.
 */
export function inClusterConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  directory = serviceAccount,
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
    namespace: podNamespace(`${directory}/namespace`),
    cluster: {
      name: 'inCluster',
      server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
      caFile: `${directory}/ca.crt`,
      skipTLSVerify: false,
    },
    user: { name: 'inClusterUser' },
    tokenFile: `${directory}/token`,
  });
}

function podNamespace(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    // Not mounted (automountServiceAccountToken off, or a projected volume without it).
    return undefined;
  }
}
