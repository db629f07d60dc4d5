import { describe, expect, it } from 'vitest';
import { DiscoveryUnreadableError, kindTableOf, sameKindTable } from './kind-table.js';

/**
 * Cut from the answers of kube-apiserver 1.36 to `GET /api` and `GET /apis` with
 * `Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`, after two
 * CRDs were installed: Argo's Rollout (short name `ro`) and a cluster-scoped RoleOverride that
 * claims `ro` too. The core group's metadata has no name.
 */
const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const core = {
  kind: 'APIGroupDiscoveryList',
  apiVersion: 'apidiscovery.k8s.io/v2',
  metadata: {},
  items: [
    {
      metadata: {},
      versions: [
        {
          version: 'v1',
          resources: [
            {
              resource: 'componentstatuses',
              responseKind: { group: '', version: '', kind: 'ComponentStatus' },
              scope: 'Cluster',
              singularResource: 'componentstatus',
              verbs: ['get', 'list'],
              shortNames: ['cs'],
            },
            {
              resource: 'namespaces',
              responseKind: { group: '', version: '', kind: 'Namespace' },
              scope: 'Cluster',
              singularResource: 'namespace',
              verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
              shortNames: ['ns'],
            },
            {
              resource: 'pods',
              responseKind: { group: '', version: '', kind: 'Pod' },
              scope: 'Namespaced',
              singularResource: 'pod',
              verbs,
              shortNames: ['po'],
              categories: ['all'],
            },
          ],
          freshness: 'Current',
        },
      ],
    },
  ],
};

const group = (name: string, version: string, resources: unknown[], freshness = 'Current') => ({
  metadata: { name },
  versions: [{ version, resources, freshness }],
});

const deployments = group('apps', 'v1', [
  {
    resource: 'deployments',
    responseKind: { group: '', version: '', kind: 'Deployment' },
    scope: 'Namespaced',
    singularResource: 'deployment',
    verbs,
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [
      {
        subresource: 'scale',
        responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
        verbs: ['get', 'patch', 'update'],
      },
      {
        subresource: 'status',
        responseKind: { group: '', version: '', kind: 'Deployment' },
        verbs: ['get', 'patch', 'update'],
      },
    ],
  },
]);

const rollouts = group('argoproj.io', 'v1alpha1', [
  {
    resource: 'rollouts',
    responseKind: { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout' },
    scope: 'Namespaced',
    singularResource: 'rollout',
    verbs,
    shortNames: ['ro'],
  },
]);

const roleOverrides = group('example.test', 'v1alpha1', [
  {
    resource: 'roleoverrides',
    responseKind: { group: 'example.test', version: 'v1alpha1', kind: 'RoleOverride' },
    scope: 'Cluster',
    singularResource: 'roleoverride',
    verbs,
    shortNames: ['ro', 'rov'],
  },
]);

const apis = (...items: unknown[]) => ({
  kind: 'APIGroupDiscoveryList',
  apiVersion: 'apidiscovery.k8s.io/v2',
  metadata: {},
  items,
});

const keysOf = (names: string[], documents: unknown[]) => {
  const table = kindTableOf(documents);
  return names.map((name) => table.kindOf.get(name));
};

describe('kindTableOf', () => {
  it("gives every name kubectl takes for a kind one key, a custom kind's short name and singular too", () => {
    const documents = [core, apis(deployments, rollouts)];
    expect(keysOf(['deployment', 'deployments', 'deploy'], documents)).toEqual([
      'deployment',
      'deployment',
      'deployment',
    ]);
    expect(keysOf(['rollout', 'rollouts', 'ro'], documents)).toEqual([
      'rollout',
      'rollout',
      'rollout',
    ]);
    expect(keysOf(['po', 'cs', 'status', 'scale'], documents)).toEqual([
      'pod',
      'componentstatus',
      undefined,
      undefined,
    ]);
  });

  it('knows which kinds are cluster-scoped, from their scope', () => {
    const table = kindTableOf([core, apis(deployments, rollouts)]);
    expect([...table.clusterScoped].sort()).toEqual(['componentstatus', 'namespace']);
  });

  it('joins two kinds that claim one short name, the scope of either holding for both', () => {
    const table = kindTableOf([core, apis(rollouts, roleOverrides)]);
    const names = ['Rollout', 'rollouts', 'ro', 'RoleOverride', 'roleoverrides', 'rov'];
    const keys = new Set(names.map((name) => table.kindOf.get(name.toLowerCase())));
    expect(keys).toEqual(new Set(['roleoverride']));
    expect(table.clusterScoped.has('roleoverride')).toBe(true);
    expect(table.kindOf.get('pod')).toBe('pod');
  });

  it("joins the kinds of two groups that share a plural (metrics.k8s.io's pods), in either order", () => {
    const podsToo = group('metrics.k8s.io', 'v1beta1', [
      {
        resource: 'pods',
        responseKind: { group: 'metrics.k8s.io', version: 'v1beta1', kind: 'PodMetrics' },
        scope: 'Namespaced',
        singularResource: '',
        verbs: ['get', 'list'],
      },
    ]);
    const forward = kindTableOf([core, apis(podsToo)]);
    const backward = kindTableOf([apis(podsToo), core]);
    expect(forward.kindOf.get('podmetrics')).toBe('pod');
    expect(forward.kindOf.get('po')).toBe('pod');
    expect(sameKindTable(forward, backward)).toBe(true);
  });

  it('reads every version of a group, a stale one included, and skips a resource without a kind', () => {
    const autoscaling = {
      metadata: { name: 'autoscaling' },
      versions: [
        {
          version: 'v2',
          resources: [
            {
              resource: 'horizontalpodautoscalers',
              responseKind: { group: '', version: '', kind: 'HorizontalPodAutoscaler' },
              scope: 'Namespaced',
              singularResource: 'horizontalpodautoscaler',
              verbs,
              shortNames: ['hpa'],
            },
          ],
          freshness: 'Current',
        },
      ],
    };
    const stale = group(
      'custom.metrics.k8s.io',
      'v1beta2',
      [
        {
          resource: 'sandboxes',
          responseKind: { group: 'custom.metrics.k8s.io', version: 'v1beta2', kind: 'Sandbox' },
          scope: 'Namespaced',
          singularResource: 'sandbox',
          verbs,
          shortNames: ['sbx'],
        },
        { resource: 'subresources-only', scope: 'Namespaced', singularResource: '', verbs: [] },
      ],
      'Stale',
    );
    const table = kindTableOf([core, apis(autoscaling, stale)]);
    expect(table.kindOf.get('hpa')).toBe('horizontalpodautoscaler');
    expect(table.kindOf.get('sbx')).toBe('sandbox');
    expect(table.kindOf.has('subresources-only')).toBe(false);
  });

  it('reads v2beta1 documents, which API servers 1.27 to 1.29 serve, as v2 ones', () => {
    const beta = (document: object) => ({ ...document, apiVersion: 'apidiscovery.k8s.io/v2beta1' });
    const table = kindTableOf([beta(core), beta(apis(deployments, rollouts))]);
    expect(sameKindTable(table, kindTableOf([core, apis(deployments, rollouts)]))).toBe(true);
    expect(table.kindOf.get('ro')).toBe('rollout');
  });

  it('refuses an aggregated discovery document of a version it was not written for', () => {
    const v3 = { ...apis(rollouts), apiVersion: 'apidiscovery.k8s.io/v3' };
    expect(() => kindTableOf([core, v3])).toThrow(
      /got APIGroupDiscoveryList apidiscovery\.k8s\.io\/v3$/,
    );
  });

  it('refuses a document that is no aggregated discovery, as an older API server answers', () => {
    const groupList = {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }] }],
    };
    expect(() => kindTableOf([core, groupList])).toThrow(DiscoveryUnreadableError);
    expect(() => kindTableOf([core, groupList])).toThrow(/got APIGroupList/);
  });
});

describe('sameKindTable', () => {
  it('tells a table that lists another name or scope from an equal one', () => {
    const before = kindTableOf([core, apis(deployments)]);
    expect(sameKindTable(before, kindTableOf([apis(deployments), core]))).toBe(true);
    expect(sameKindTable(before, kindTableOf([core, apis(deployments, rollouts)]))).toBe(false);
    const rescoped = structuredClone(core);
    const pods = rescoped.items[0]?.versions[0]?.resources[2];
    if (pods) pods.scope = 'Cluster';
    expect(sameKindTable(before, kindTableOf([rescoped, apis(deployments)]))).toBe(false);
  });
});
