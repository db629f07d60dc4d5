import { describe, expect, it } from 'vitest';
import { apiServerArgs } from './apiserver.js';
import { etcdArgs } from './etcd.js';
import type { Pki } from './pki.js';
import { controllerManagerArgs, fakeNode, kwokArgs, schedulerArgs } from './workloads.js';

const pki: Pki = {
  ca: { certPath: '/p/ca.crt', keyPath: '/p/ca.key' },
  serving: { certPath: '/p/apiserver.crt', keyPath: '/p/apiserver.key' },
  admin: { certPath: '/p/admin.crt', keyPath: '/p/admin.key' },
  serviceAccount: { privateKeyPath: '/p/sa.key', publicKeyPath: '/p/sa.pub' },
};

const apiserver = apiServerArgs({
  etcdUrl: 'http://127.0.0.1:2379',
  port: 6443,
  pki,
  certDir: '/w',
});
const etcd = etcdArgs('/w/etcd', { client: 2379, peer: 2380 });

/** Flag name to value; a flag given twice would silently override the first. */
function flags(args: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const arg of args) {
    const match = /^--([a-z0-9-]+)=(.*)$/.exec(arg);
    if (!match?.[1]) throw new Error(`not a --name=value flag: ${arg}`);
    expect(map.has(match[1]), `duplicate flag --${match[1]}`).toBe(false);
    map.set(match[1], match[2] ?? '');
  }
  return map;
}

describe('kube-apiserver flags', () => {
  const f = flags(apiserver);

  it('serve only TLS on loopback, advertising loopback', () => {
    expect(f.get('bind-address')).toBe('127.0.0.1');
    expect(f.get('advertise-address')).toBe('127.0.0.1');
    expect(f.get('secure-port')).toBe('6443');
    expect(f.get('tls-cert-file')).toBe(pki.serving.certPath);
    expect(f.get('tls-private-key-file')).toBe(pki.serving.keyPath);
  });

  it('authenticate clients by certificate from the throwaway CA and authorize with RBAC', () => {
    expect(f.get('client-ca-file')).toBe(pki.ca.certPath);
    expect(f.get('authorization-mode')).toBe('RBAC');
  });

  it('sign and verify service-account tokens with the generated pair', () => {
    expect(f.get('service-account-signing-key-file')).toBe(pki.serviceAccount.privateKeyPath);
    expect(f.get('service-account-key-file')).toBe(pki.serviceAccount.publicKeyPath);
    expect(f.get('service-account-issuer')).toBe('https://127.0.0.1:6443');
  });

  it('let a fresh node take pods without a node-lifecycle controller', () => {
    expect(f.get('disable-admission-plugins')?.split(',')).toContain('TaintNodesByCondition');
  });
});

describe('etcd flags', () => {
  it('listen on loopback only and skip fsync', () => {
    const f = flags(etcd);
    for (const key of ['listen-client-urls', 'advertise-client-urls', 'listen-peer-urls']) {
      expect(f.get(key)).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(f.get('listen-client-urls')).toBe('http://127.0.0.1:2379');
    expect(f.get('initial-cluster')).toBe('testenv=http://127.0.0.1:2380');
    expect(f.get('unsafe-no-fsync')).toBe('true');
  });
});

describe('workload flags', () => {
  it('run the Job controller and garbage collector without leader election or serving', () => {
    const f = flags(controllerManagerArgs('/w/admin.kubeconfig'));
    expect(f.get('controllers')?.split(',')).toEqual(
      expect.arrayContaining([
        'job-controller',
        'garbage-collector-controller',
        'namespace-controller',
      ]),
    );
    expect(f.get('leader-elect')).toBe('false');
    expect(f.get('secure-port')).toBe('0');
    expect(flags(schedulerArgs('/w/admin.kubeconfig')).get('leader-elect')).toBe('false');
  });

  it('point KWOK at our stages and let it manage every node', () => {
    const f = flags(kwokArgs('/w/admin.kubeconfig', '/w/stages.yaml'));
    expect(f.get('config')).toBe('/w/stages.yaml');
    expect(f.get('manage-all-nodes')).toBe('true');
  });

  it('create a node without taints that has room for many pods', () => {
    const node = fakeNode();
    expect(node.spec?.taints).toBeUndefined();
    expect(Number(node.status?.allocatable?.pods)).toBeGreaterThanOrEqual(100);
  });

  it('create a node that reports ephemeral storage, so pods that request some schedule', () => {
    expect(fakeNode().status?.allocatable?.['ephemeral-storage']).toBe('1Ti');
  });
});
