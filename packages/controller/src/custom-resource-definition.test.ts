import { describe, expect, it } from 'vitest';
import { namespacedCrd } from './custom-resource-definition.js';

const type = { group: 'example.dev', version: 'v1beta1', kind: 'BatchRun', plural: 'batchruns' };
const spec = { type: 'object', properties: { size: { type: 'integer' } } };

describe('namespacedCrd', () => {
  it('names the CRD and its resource from the type', () => {
    const crd = namespacedCrd({ type, shortNames: ['br'], printerColumns: [], spec });
    expect(crd.metadata.name).toBe('batchruns.example.dev');
    expect(crd.spec.group).toBe('example.dev');
    expect(crd.spec.names).toEqual({
      kind: 'BatchRun',
      listKind: 'BatchRunList',
      plural: 'batchruns',
      singular: 'batchrun',
      shortNames: ['br'],
    });
    expect(crd.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([
      ['v1beta1', true, true],
    ]);
  });

  it('gives a resource with a status schema the status subresource, and one without neither', () => {
    const status = { type: 'object', properties: { phase: { type: 'string' } } };
    const [withStatus] = namespacedCrd({
      type,
      shortNames: [],
      printerColumns: [],
      spec,
      status,
    }).spec.versions;
    expect(withStatus?.subresources).toEqual({ status: {} });
    expect(withStatus?.schema.openAPIV3Schema.properties.status).toBe(status);
    const [without] = namespacedCrd({ type, shortNames: [], printerColumns: [], spec }).spec
      .versions;
    expect(without).not.toHaveProperty('subresources');
    expect(without?.schema.openAPIV3Schema.properties).not.toHaveProperty('status');
  });

  it('requires the spec and keeps the printer columns in the order given', () => {
    const columns = [
      { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', priority: 1 },
    ] as const;
    const [version] = namespacedCrd({
      type,
      shortNames: [],
      printerColumns: columns,
      spec,
    }).spec.versions;
    expect(version?.additionalPrinterColumns).toEqual(columns);
    expect(version?.schema.openAPIV3Schema).toMatchObject({
      type: 'object',
      required: ['spec'],
      properties: { metadata: { type: 'object' }, spec },
    });
  });
});
