import { describe, expect, it } from 'vitest';
import { canonicalTarget } from './canonical-target.js';

describe('canonicalTarget', () => {
  it('gives every spelling of a kind kubectl accepts the same key', () => {
    const keys = ['Deployment', 'deployment', 'deployments', 'deploy', 'DEPLOY'].map((kind) =>
      canonicalTarget(`team-a/${kind}/web`),
    );
    expect(new Set(keys)).toEqual(new Set(['team-a/deployment/web']));
  });

  it('keeps namespaces and names apart, and other kinds by their own name', () => {
    expect(canonicalTarget('team-a/deployment/web')).not.toBe(
      canonicalTarget('team-b/deployment/web'),
    );
    expect(canonicalTarget('team-a/deployment/web')).not.toBe(
      canonicalTarget('team-a/statefulset/web'),
    );
    expect(canonicalTarget('team-a/Rollout/web')).toBe('team-a/rollout/web');
  });

  it('drops a namespace written before a cluster-scoped kind, which kubectl ignores', () => {
    expect(canonicalTarget('team-a/Node/worker-1')).toBe('node/worker-1');
    expect(canonicalTarget('nodes/worker-1')).toBe('node/worker-1');
    expect(canonicalTarget('team-a/ClusterIssuer/letsencrypt')).toBe('clusterissuer/letsencrypt');
  });

  it("gives every name of each of Kubernetes' own kinds one key, by discovery of kube-apiserver 1.36", () => {
    const spellings = [
      ['PriorityClass', 'priorityclasses', 'pc'],
      ['CertificateSigningRequest', 'certificatesigningrequests', 'csr'],
      ['Endpoints', 'ep'],
      ['ResourceQuota', 'resourcequotas', 'quota'],
      ['LimitRange', 'limits'],
      ['IngressClass', 'ingressclasses'],
      ['EndpointSlice', 'endpointslices'],
      ['Lease', 'leases'],
    ];
    for (const names of spellings) {
      const keys = names.map((kind) => canonicalTarget(`team-a/${kind}/one`));
      expect(new Set(keys).size).toBe(1);
    }
    expect(canonicalTarget('team-a/pc/high')).toBe('priorityclass/high');
  });

  it('gives a custom kind and its plural one key', () => {
    const pairs = [
      ['Rollout', 'rollouts'],
      ['ClusterPolicy', 'clusterpolicies'],
      ['GatewayClass', 'gatewayclasses'],
      ['Status', 'statuses'],
      ['Postgres', 'postgreses'],
      ['Sandbox', 'sandboxes'],
      ['Rule', 'rules'],
      ['Cache', 'caches'],
    ];
    for (const [kind, plural] of pairs) {
      expect(canonicalTarget(`team-a/${kind}/one`)).toBe(canonicalTarget(`team-a/${plural}/one`));
    }
    expect(canonicalTarget('team-a/Rollout/one')).not.toBe(canonicalTarget('team-a/Role/one'));
    expect(canonicalTarget('team-a/Rollout/one')).not.toBe(canonicalTarget('team-a/Rollout/two'));
  });

  it('leaves a string that is no target as it is', () => {
    expect(canonicalTarget('web')).toBe('web');
    expect(canonicalTarget('a/b/c/d')).toBe('a/b/c/d');
  });

  it("drops the namespace before the operator's cluster-scoped kinds too", () => {
    const operators = new Set(['gatewayclass', 'gatewayclasses']);
    expect(canonicalTarget('team-a/GatewayClass/public', operators)).toBe(
      canonicalTarget('team-b/gatewayclass/public', operators),
    );
    expect(canonicalTarget('team-a/GatewayClass/public')).not.toBe(
      canonicalTarget('team-b/gatewayclass/public'),
    );
  });
});
