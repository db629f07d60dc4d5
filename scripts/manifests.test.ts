import { readFileSync } from 'node:fs';
import { kubernautConventions } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { presets } from '../examples/workflowexecution-controller/src/presets.js';
import { deployDir, generatedManifests, kubernaut } from './manifests.js';

const generated = generatedManifests();

describe('the generated manifests in examples/workflowexecution-controller/deploy', () => {
  for (const manifest of generated) {
    it(`${manifest.file} is what the code generates today`, () => {
      const text = readFileSync(new URL(manifest.file, deployDir), 'utf8');
      const documents = parseAllDocuments(text).map((doc) => doc.toJSON() as unknown);
      expect(
        documents,
        `deploy/${manifest.file} is out of date: run npm run manifests -w @roundhouse/example-workflowexecution-controller`,
      ).toEqual(manifest.documents);
      expect(text).toContain('do not edit by hand');
    });
  }
});

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  resources?: string[];
  rules?: { apiGroups: string[]; resources: string[]; resourceNames?: string[] }[];
  spec?: {
    group?: string;
    matchConstraints?: { resourceRules: { apiGroups: string[] }[] };
    template?: { spec: { serviceAccountName: string; containers: { args: string[] }[] } };
  };
}

const overlay = generated
  .filter((manifest) => manifest.file.startsWith(kubernaut.dir))
  .flatMap((manifest) => manifest.documents as Manifest[]);
const find = (kind: string) => overlay.filter((object) => object.kind === kind);

describe('the kubernaut overlay (deploy/kubernaut)', () => {
  it("keeps none of the base's group, namespaces or default runner", () => {
    // A value the rewrite does not know (a new base flag naming roundhouse-system, say) stays
    // the base's, and would point the kubernaut controller at the base's objects.
    const text = JSON.stringify(overlay);
    for (const base of [
      'roundhouse.dev',
      'roundhouse-system',
      'roundhouse-workflows',
      'roundhouse-workflow-runner',
    ]) {
      expect(text).not.toContain(base);
    }
  });

  it('lists every file it generates in its kustomization, and no other', () => {
    const [kustomization] = find('Kustomization');
    const files = generated
      .filter((manifest) => manifest.file.startsWith(kubernaut.dir))
      .map((manifest) => manifest.file.slice(kubernaut.dir.length))
      .filter((file) => file !== 'kustomization.yaml');
    expect([...(kustomization?.resources ?? [])].sort()).toEqual(files.sort());
  });

  it("serves kubernaut's group: the CRD, the admission policy and the controller's RBAC", () => {
    const [crd] = find('CustomResourceDefinition');
    expect(crd?.metadata.name).toBe(`workflowexecutions.${presets.kubernaut.apiGroup}`);
    expect(crd?.spec?.group).toBe(presets.kubernaut.apiGroup);
    const [policy] = find('ValidatingAdmissionPolicy');
    expect(policy?.spec?.matchConstraints?.resourceRules[0]?.apiGroups).toEqual([
      presets.kubernaut.apiGroup,
    ]);
    const [clusterRole] = find('ClusterRole');
    const rules = clusterRole?.rules ?? [];
    expect(
      rules
        .filter((rule) => rule.resources.some((r) => r.startsWith('workflowexecutions')))
        .flatMap((rule) => rule.apiGroups),
    ).toEqual([presets.kubernaut.apiGroup, presets.kubernaut.apiGroup, presets.kubernaut.apiGroup]);
    expect(
      rules.find((rule) => rule.resources.includes('customresourcedefinitions'))?.resourceNames,
    ).toEqual([crd?.metadata.name]);
  });

  it("runs the kubernaut preset in kubernaut's execution namespace, with its default runner there", () => {
    const [deployment] = find('Deployment');
    const args = deployment?.spec?.template?.spec.containers[0]?.args ?? [];
    expect(args).toContain('--conventions=kubernaut');
    expect(args).toContain(`--execution-namespace=${presets.kubernaut.executionNamespace}`);
    const runner = find('ServiceAccount').find(
      (account) => account.metadata.name === kubernautConventions.defaultServiceAccountName,
    );
    expect(runner?.metadata.namespace).toBe(presets.kubernaut.executionNamespace);
  });

  it('shares no object with the base, so applying one never replaces the other', () => {
    const read = (file: string) =>
      parseAllDocuments(readFileSync(new URL(file, deployDir), 'utf8')).map(
        (doc) => doc.toJSON() as Manifest,
      );
    const id = (o: Manifest) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const [baseKustomization] = read('kustomization.yaml');
    const base = new Set((baseKustomization?.resources ?? []).flatMap(read).map(id));
    expect(base.size).toBeGreaterThan(10);
    const shared = overlay
      .filter((o) => o.kind !== 'Kustomization')
      .map(id)
      .filter((object) => base.has(object));
    expect(shared).toEqual([]);
  });
});
