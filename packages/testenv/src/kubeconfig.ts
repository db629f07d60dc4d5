import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

export interface KubeConfigInput {
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  /** Names the user entry; the identity itself is in the certificate. */
  user: string;
  /** Default namespace of the context, used by clients that take it from there. */
  namespace?: string | undefined;
}

const clusterName = 'roundhouse-testenv';

const base64 = (pem: string) => Buffer.from(pem, 'utf8').toString('base64');

/** A self-contained kubeconfig: certificates are embedded, so it works from any process. */
export function kubeConfigYaml(input: KubeConfigInput): string {
  const contextName = `${input.user}@${clusterName}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: clusterName,
        cluster: { server: input.server, 'certificate-authority-data': base64(input.caPem) },
      },
    ],
    users: [
      {
        name: input.user,
        user: {
          'client-certificate-data': base64(input.certPem),
          'client-key-data': base64(input.keyPem),
        },
      },
    ],
    contexts: [
      {
        name: contextName,
        context: {
          cluster: clusterName,
          user: input.user,
          ...(input.namespace ? { namespace: input.namespace } : {}),
        },
      },
    ],
    'current-context': contextName,
  });
}

export function kubeConfigFromYaml(yaml: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(yaml);
  return kc;
}

/** The same kubeconfig with another default namespace. */
export function withNamespace(yaml: string, namespace: string): string {
  const kc = kubeConfigFromYaml(yaml);
  const current = kc.getCurrentContext();
  kc.contexts = kc.contexts.map((c) => (c.name === current ? { ...c, namespace } : c));
  return kc.exportConfig();
}
