import { describe, expect, it } from 'vitest';
import { taskActionCrd } from './crd.js';

describe('taskActionCrd', () => {
  const crd = taskActionCrd();
  const version = crd.spec.versions[0];
  const schema = version?.schema.openAPIV3Schema;

  it('is taskactions.roundhouse.dev with a status subresource', () => {
    expect(crd.metadata.name).toBe('taskactions.roundhouse.dev');
    expect(version?.subresources).toEqual({ status: {} });
  });

  it('leaves the spec fields to the controller, which names every missing one', () => {
    expect(JSON.stringify(schema?.properties.spec)).not.toContain('"required"');
    expect(schema?.properties.spec).toHaveProperty('properties.taskTemplate.properties.image');
  });

  it('shows the Progressing reason as the status column', () => {
    expect(version?.additionalPrinterColumns).toContainEqual({
      name: 'Status',
      type: 'string',
      jsonPath: ".status.conditions[?(@.type=='Progressing')].reason",
    });
  });
});
