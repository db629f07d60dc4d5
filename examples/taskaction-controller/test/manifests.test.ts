import { readdirSync, readFileSync } from 'node:fs';
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
    // The attempts' Jobs, and the action cache.
    expect(bound('RoleBinding', config.executionNamespace)).toHaveLength(2);
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

  it("grants the action cache's ConfigMaps and Leases in the execution namespace only, and binds nothing in a tenant namespace", () => {
    const [kustomization] = documentsOf('kustomization.yaml');
    const deployment = (kustomization?.resources ?? [])
      .flatMap(documentsOf)
      .find((doc) => doc.kind === 'Deployment');
    const config = loadConfig(deployment?.spec?.template?.spec?.containers?.[0]?.args ?? [], {});
    const election = leaderElectionOf(config);
    // Every manifest deploy/ holds, in kustomization.yaml or not.
    const all = readdirSync(deployDir)
      .filter((file) => file.endsWith('.yaml'))
      .flatMap(documentsOf) as (Manifest & {
      rules?: { resources?: string[]; verbs?: string[] }[];
    })[];
    const rulesOf = (kind: string) =>
      all.filter((doc) => doc.kind === kind).flatMap((doc) => doc.rules ?? []);
    for (const rule of rulesOf('ClusterRole')) {
      expect(rule.resources).not.toContain('configmaps');
    }
    // Leases only for --leader-elect's, in its own namespace, and the cache's.
    const roles = all.filter((doc) => doc.kind === 'Role');
    for (const role of roles) {
      expect([config.executionNamespace, election?.namespace]).toContain(role.metadata?.namespace);
    }
    const cacheRules = roles
      .filter((doc) => doc.metadata?.namespace === config.executionNamespace)
      .flatMap((doc) => doc.rules ?? [])
      .filter((rule) => rule.resources?.some((r) => r === 'configmaps' || r === 'leases'));
    expect(cacheRules.flatMap((rule) => rule.resources ?? []).sort()).toEqual([
      'configmaps',
      'leases',
    ]);
    const bindingNamespaces = all
      .filter((doc) => doc.kind === 'RoleBinding')
      .map((doc) => doc.metadata?.namespace);
    expect(new Set(bindingNamespaces)).toEqual(
      new Set([config.executionNamespace, election?.namespace]),
    );
    for (const rule of rulesOf('ClusterRole')) expect(rule.resources).not.toContain('leases');
  });
});
