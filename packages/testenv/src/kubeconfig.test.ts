import { describe, expect, it } from 'vitest';
import { kubeConfigFromYaml, kubeConfigYaml, withNamespace } from './kubeconfig.js';

const input = {
  server: 'https://127.0.0.1:6443',
  caPem: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n',
  certPem: '-----BEGIN CERTIFICATE-----\nUSER\n-----END CERTIFICATE-----\n',
  keyPem: '-----BEGIN EC PRIVATE KEY-----\nKEY\n-----END EC PRIVATE KEY-----\n',
  user: 'alice',
};
const decode = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString('utf8');

describe('kubeConfigYaml', () => {
  it('is loaded by client-node with the server, CA and client certificate embedded', () => {
    const kc = kubeConfigFromYaml(kubeConfigYaml(input));
    expect(kc.getCurrentCluster()?.server).toBe(input.server);
    expect(decode(kc.getCurrentCluster()?.caData)).toBe(input.caPem);
    expect(decode(kc.getCurrentUser()?.certData)).toBe(input.certPem);
    expect(decode(kc.getCurrentUser()?.keyData)).toBe(input.keyPem);
    expect(kc.getCurrentUser()?.name).toBe('alice');
  });

  it('sets the context namespace only when asked', () => {
    const kc = kubeConfigFromYaml(kubeConfigYaml(input));
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBeUndefined();
    const scoped = kubeConfigFromYaml(kubeConfigYaml({ ...input, namespace: 'team-a' }));
    expect(scoped.getContextObject(scoped.getCurrentContext())?.namespace).toBe('team-a');
  });
});

describe('withNamespace', () => {
  it('changes the default namespace and keeps the credentials', () => {
    const kc = kubeConfigFromYaml(withNamespace(kubeConfigYaml(input), 'team-b'));
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('team-b');
    expect(decode(kc.getCurrentUser()?.keyData)).toBe(input.keyPem);
    expect(kc.getCurrentCluster()?.server).toBe(input.server);
  });
});
