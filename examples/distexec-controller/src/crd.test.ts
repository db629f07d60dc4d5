import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { distExecCrd } from './crd.js';

describe('the DistExec CRD', () => {
  it('deploy/crd.yaml is the CRD the code generates (regenerate with `npm run crd`)', () => {
    const shipped = parse(readFileSync(new URL('../deploy/crd.yaml', import.meta.url), 'utf8'));
    expect(shipped).toEqual(JSON.parse(JSON.stringify(distExecCrd())));
  });

  it('states the spec from the zod schema, with the exactly-one rule in CEL', () => {
    const [version] = distExecCrd().spec.versions;
    const properties = version?.schema.openAPIV3Schema.properties;
    const spec = properties?.spec as Record<string, unknown>;
    const status = properties?.status as Record<string, unknown>;
    expect(Object.keys(spec.properties as Record<string, unknown>)).toEqual([
      'command',
      'argv',
      'shell',
      'timeoutSeconds',
      'retries',
      'nodeSelector',
      'image',
    ]);
    expect(spec['x-kubernetes-validations']).toEqual([
      expect.objectContaining({ rule: expect.stringContaining('exists_one') }),
      expect.objectContaining({
        rule: '!has(self.argv) || self.argv.map(a, size(a)).sum() <= 16384',
        fieldPath: '.argv',
      }),
    ]);
    expect((spec.properties as Record<string, Record<string, unknown>>).nodeSelector).toMatchObject(
      { maxProperties: 64, additionalProperties: { maxLength: 63 } },
    );
    const results = (status.properties as Record<string, { additionalProperties?: unknown }>)
      .results;
    expect(results?.additionalProperties).toMatchObject({
      required: ['phase', 'attempts', 'observedGeneration'],
    });
    expect(version?.subresources).toEqual({ status: {} });
  });
});
