import { readFile } from 'node:fs/promises';
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { isEstablished, parseCrds, tektonCrdFiles } from './crds.js';
import { InvalidCrdError } from './errors.js';

describe('the test-only Tekton CRDs', () => {
  it.each([
    ['pipelineRun', 'pipelineruns.tekton.dev', 'PipelineRun'],
    ['taskRun', 'taskruns.tekton.dev', 'TaskRun'],
  ] as const)('%s is a namespaced tekton.dev/v1 %s', async (key, name, kind) => {
    const [crd, ...more] = parseCrds(await readFile(tektonCrdFiles[key], 'utf8'), key);
    expect(more).toEqual([]);
    expect(crd?.metadata?.name).toBe(name);
    expect(crd?.spec.group).toBe('tekton.dev');
    expect(crd?.spec.names.kind).toBe(kind);
    expect(crd?.spec.scope).toBe('Namespaced');
    const [version] = crd?.spec.versions ?? [];
    expect(version).toMatchObject({ name: 'v1', served: true, storage: true });
    expect(version?.subresources?.status).toEqual({});
    const schema = version?.schema?.openAPIV3Schema;
    expect(schema?.type).toBe('object');
    expect(schema?.x_kubernetes_preserve_unknown_fields).toBe(true);
    for (const field of ['spec', 'status']) {
      expect(schema?.properties?.[field]).toMatchObject({
        type: 'object',
        x_kubernetes_preserve_unknown_fields: true,
      });
    }
  });
});

describe('parseCrds', () => {
  const crd = (name: string) =>
    `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${name}\nspec:\n  group: x.dev\n`;

  it('reads every document and skips empty ones', () => {
    const crds = parseCrds(`${crd('a.x.dev')}---\n---\n${crd('b.x.dev')}`, 'f.yaml');
    expect(crds.map((c) => c.metadata?.name)).toEqual(['a.x.dev', 'b.x.dev']);
  });

  it('rejects documents that are not CRDs, naming the file', () => {
    const text = `${crd('a.x.dev')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n`;
    expect(() => parseCrds(text, 'mixed.yaml')).toThrow(InvalidCrdError);
    expect(() => parseCrds(text, 'mixed.yaml')).toThrow(/mixed\.yaml/);
  });

  it('rejects broken YAML', () => {
    expect(() => parseCrds('a: [1,\n', 'broken.yaml')).toThrow(InvalidCrdError);
  });
});

describe('isEstablished', () => {
  const withConditions = (status: string) =>
    ({ status: { conditions: [{ type: 'Established', status }] } }) as V1CustomResourceDefinition;

  it('needs the Established condition to be True', () => {
    expect(isEstablished(withConditions('True'))).toBe(true);
    expect(isEstablished(withConditions('False'))).toBe(false);
    expect(isEstablished({} as V1CustomResourceDefinition)).toBe(false);
  });
});
