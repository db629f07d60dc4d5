import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { leaderElectionOf, loadConfig } from '../src/config.js';
import { deployDir, generatedManifests } from './manifests.js';

type Manifest = {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  roleRef?: { kind?: string; name?: string };
  subjects?: { kind?: string; name?: string; namespace?: string }[];
  spec?: {
    template?: {
      spec?: { serviceAccountName?: string; containers?: { args?: string[] }[] };
    };
  };
  resources?: string[];
};

function documentsOf(file: string): Manifest[] {
  const documents = parseAllDocuments(readFileSync(new URL(file, deployDir), 'utf8'));
  for (const doc of documents) expect(doc.errors, file).toEqual([]);
  return documents.map((doc) => doc.toJSON() as Manifest);
}

describe('examples/taskaction-controller/deploy', () => {
  for (const manifest of generatedManifests()) {
    it(`${manifest.file} is what the code generates today`, () => {
      expect(
        documentsOf(manifest.file),
        `deploy/${manifest.file} is out of date: run npm run manifests -w @roundhouse/example-taskaction-controller`,
      ).toEqual(manifest.documents);
      expect(readFileSync(new URL(manifest.file, deployDir), 'utf8')).toContain(
        'do not edit by hand',
      );
    });
  }

  it('lists files that parse, and a Deployment whose flags the controller takes, running as the account rbac.yaml binds, electing on the Lease it may write', () => {
    const [kustomization] = documentsOf('kustomization.yaml');
    const all = (kustomization?.resources ?? []).flatMap(documentsOf);
    const deployment = all.find((doc) => doc.kind === 'Deployment');
    const pod = deployment?.spec?.template?.spec;
    const config = loadConfig(pod?.containers?.[0]?.args ?? [], {});
    const account = all.find(
      (doc) =>
        doc.kind === 'ServiceAccount' &&
        doc.metadata?.namespace === deployment?.metadata?.namespace &&
        doc.metadata?.name === pod?.serviceAccountName,
    );
    expect(account, 'the Deployment runs as an account rbac.yaml creates').toBeDefined();
    const bound = (kind: string, namespace?: string) =>
      all.filter(
        (doc) =>
          doc.kind === kind &&
          doc.metadata?.namespace === namespace &&
          doc.subjects?.some(
            (s) =>
              s.name === pod?.serviceAccountName && s.namespace === deployment?.metadata?.namespace,
          ),
      );
    expect(bound('ClusterRoleBinding')).toHaveLength(1);
    expect(bound('RoleBinding', config.executionNamespace)).toHaveLength(1);
    const election = leaderElectionOf(config);
    expect(election).toBeDefined();
    expect(bound('RoleBinding', election?.namespace)).toHaveLength(1);
    const leaseRules = all.find(
      (doc) => doc.kind === 'Role' && doc.metadata?.namespace === election?.namespace,
    ) as { rules?: { resources?: string[]; resourceNames?: string[] }[] } | undefined;
    expect(
      leaseRules?.rules?.some(
        (rule) =>
          rule.resources?.includes('leases') && rule.resourceNames?.includes(election?.name ?? ''),
      ),
    ).toBe(true);
    expect(
      all.some(
        (doc) => doc.kind === 'Namespace' && doc.metadata?.name === config.executionNamespace,
      ),
    ).toBe(true);
    expect(config.allowedImages.length).toBeGreaterThan(0);
  });

  it("grants the action cache's ConfigMaps and Leases only per tenant namespace, never cluster-wide", () => {
    const rbac = documentsOf('rbac.yaml') as (Manifest & {
      rules?: { resources?: string[] }[];
    })[];
    const clusterBound = new Set(
      rbac.filter((doc) => doc.kind === 'ClusterRoleBinding').map((doc) => doc.roleRef?.name),
    );
    const clusterRules = rbac
      .filter((doc) => doc.kind === 'ClusterRole' && clusterBound.has(doc.metadata?.name))
      .flatMap((doc) => doc.rules ?? []);
    expect(clusterRules.length).toBeGreaterThan(0);
    for (const rule of clusterRules) {
      expect(rule.resources).not.toContain('configmaps');
      expect(rule.resources).not.toContain('leases');
    }
    const [binding] = documentsOf('tenant-namespace.yaml');
    expect(binding?.kind).toBe('RoleBinding');
    const cacheRole = rbac.find(
      (doc) => doc.kind === 'ClusterRole' && doc.metadata?.name === binding?.roleRef?.name,
    );
    expect(cacheRole?.rules?.flatMap((rule) => rule.resources ?? []).sort()).toEqual([
      'configmaps',
      'leases',
    ]);
    const account = documentsOf('rbac.yaml').find((doc) => doc.kind === 'ServiceAccount');
    expect(binding?.subjects).toEqual([
      {
        kind: 'ServiceAccount',
        name: account?.metadata?.name,
        namespace: account?.metadata?.namespace,
      },
    ]);
  });
});
