import { describe, expect, it } from 'vitest';
import { canonicalTarget, knowsKind, operatorClusterScoped } from './canonical-target.js';
import { kindTableOf } from './kind-table.js';

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

  it("drops the namespace before the operator's cluster-scoped kinds too, by any of their names", () => {
    const operators = { clusterScoped: operatorClusterScoped(['GatewayClass'], undefined) };
    expect(canonicalTarget('team-a/GatewayClass/public', operators)).toBe(
      canonicalTarget('team-b/gatewayclasses/public', operators),
    );
    expect(canonicalTarget('team-a/GatewayClass/public')).not.toBe(
      canonicalTarget('team-b/gatewayclass/public'),
    );
  });
});

describe('canonicalTarget under the kinds discovery lists', () => {
  const table = kindTableOf([
    {
      kind: 'APIGroupDiscoveryList',
      items: [
        group('argoproj.io', 'rollouts', 'Rollout', 'Namespaced', ['ro']),
        group('gateway.networking.k8s.io', 'gatewayclasses', 'GatewayClass', 'Cluster', ['gc']),
        group('cluster.x-k8s.io', 'clusterclasses', 'ClusterClass', 'Namespaced', ['cc']),
        group('apps', 'deployments', 'Deployment', 'Namespaced', ['deploy']),
      ],
    },
  ]);

  it("gives a custom kind's short name and singular the key of its kind", () => {
    const keys = ['Rollout', 'rollouts', 'rollout', 'ro', 'RO'].map((kind) =>
      canonicalTarget(`team-a/${kind}/web`, { table }),
    );
    expect(new Set(keys)).toEqual(new Set(['team-a/rollout/web']));
    expect(canonicalTarget('team-a/ro/web')).not.toBe(canonicalTarget('team-a/Rollout/web'));
  });

  it('takes the scope discovery tells, over the Cluster<Something> rule', () => {
    expect(canonicalTarget('team-a/gc/public', { table })).toBe('gatewayclass/public');
    expect(canonicalTarget('team-a/ClusterClass/quick', { table })).toBe(
      'team-a/clusterclass/quick',
    );
    expect(canonicalTarget('team-a/ClusterClass/quick')).toBe(
      canonicalTarget('team-b/ClusterClass/quick'),
    );
  });

  it("judges a name it does not list by Kubernetes' own kinds and the plural rule", () => {
    expect(canonicalTarget('team-a/Node/worker-1', { table })).toBe('node/worker-1');
    expect(canonicalTarget('team-a/sandboxes/one', { table })).toBe(
      canonicalTarget('team-a/Sandbox/one', { table }),
    );
    expect(canonicalTarget('team-a/ClusterIssuer/ca', { table })).toBe('clusterissuer/ca');
  });

  it("lets the operator's list name a kind by any name discovery joins to it", () => {
    const kinds = { table, clusterScoped: operatorClusterScoped(['Rollout'], table) };
    expect(canonicalTarget('team-a/ro/web', kinds)).toBe('rollout/web');
  });
});

describe('knowsKind', () => {
  it("knows Kubernetes' own kinds, and a custom kind only by a name discovery lists", () => {
    const table = kindTableOf([
      {
        kind: 'APIGroupDiscoveryList',
        items: [group('argoproj.io', 'rollouts', 'Rollout', 'Namespaced', ['ro'])],
      },
    ]);
    expect(knowsKind('team-a/deploy/web', undefined)).toBe(true);
    expect(knowsKind('node/worker-1', undefined)).toBe(true);
    expect(knowsKind('team-a/ro/web', undefined)).toBe(false);
    expect(knowsKind('team-a/RO/web', table)).toBe(true);
    expect(knowsKind('team-a/Canary/web', table)).toBe(false);
  });
});

/** One group of an aggregated discovery document, serving one resource. */
function group(name: string, plural: string, kind: string, scope: string, shortNames: string[]) {
  return {
    metadata: { name },
    versions: [
      {
        version: 'v1',
        resources: [
          {
            resource: plural,
            responseKind: { group: name, version: 'v1', kind },
            scope,
            singularResource: kind.toLowerCase(),
            verbs: ['get', 'list', 'watch'],
            shortNames,
          },
        ],
        freshness: 'Current',
      },
    ],
  };
}
