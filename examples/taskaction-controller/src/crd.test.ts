import { describe, expect, it } from 'vitest';
import { maxTaskStrings } from './action-size.js';
import { taskActionCrd } from './crd.js';
import { execStringMaxBytes } from './exec-strings.js';
import { maxAttempts } from './spec.js';

describe('taskActionCrd', () => {
  const crd = taskActionCrd();
  const version = crd.spec.versions[0];
  const schema = version?.schema.openAPIV3Schema;

  it('is taskactions.roundhouse.dev with a status subresource', () => {
    expect(crd.metadata.name).toBe('taskactions.roundhouse.dev');
    expect(version?.subresources).toEqual({ status: {} });
  });

  it("shows the columns of Flyte's TaskAction CRD, wide ones included", () => {
    const columns = version?.additionalPrinterColumns ?? [];
    const shown = (priority: number) =>
      columns.filter((c) => (c.priority ?? 0) === priority).map((c) => [c.name, c.jsonPath]);
    const condition = (type: string) => `.status.conditions[?(@.type=='${type}')]`;
    expect(shown(0)).toEqual(
      expect.arrayContaining([
        ['Run', '.spec.runName'],
        ['Action', '.spec.actionName'],
        ['TaskType', '.spec.taskType'],
        ['Status', `${condition('Progressing')}.reason`],
        ['Age', '.metadata.creationTimestamp'],
      ]),
    );
    expect(shown(1)).toEqual(
      expect.arrayContaining([
        ['Progressing', `${condition('Progressing')}.status`],
        ['Succeeded', `${condition('Succeeded')}.status`],
        ['Failed', `${condition('Failed')}.status`],
      ]),
    );
  });

  it('leaves the spec fields to the controller, which names every missing one', () => {
    expect(JSON.stringify(schema?.properties.spec)).not.toContain('"required"');
    expect(schema?.properties.spec).toHaveProperty('properties.taskTemplate.properties.image');
  });

  it('refuses an image that is no OCI reference at create', () => {
    type Field = { properties: Record<string, Field>; maxLength: number; pattern: string };
    const spec = schema?.properties.spec as unknown as Field;
    const image = spec.properties.taskTemplate?.properties.image as Field;
    const pattern = new RegExp(image.pattern);
    expect(pattern.test('registry.invalid/task:1')).toBe(true);
    expect(pattern.test('Registry.invalid/Task:1')).toBe(false);
    expect(image.maxLength).toBe(512);
  });

  it('refuses a NUL in an argument or a variable at create', () => {
    type Field = {
      properties: Record<string, Field>;
      items: Field;
      additionalProperties: Field;
      pattern: string;
    };
    const spec = schema?.properties.spec as unknown as Field;
    const template = spec.properties.taskTemplate as Field;
    const patterns = [
      template.properties.command?.items.pattern,
      template.properties.args?.items.pattern,
      template.properties.env?.additionalProperties.pattern,
      spec.properties.envVars?.additionalProperties.pattern,
    ];
    for (const pattern of patterns) {
      const re = new RegExp(pattern as string);
      expect(re.test('echo $(hostname)\n')).toBe(true);
      expect(re.test('a\0b')).toBe(false);
    }
  });

  it('has the cache key in the spec, cacheSerializable in the template and cacheStatus in the status', () => {
    type Field = { properties: Record<string, Field>; maxLength?: number; enum?: string[] };
    const spec = schema?.properties.spec as unknown as Field;
    expect(spec.properties.cacheKey).toMatchObject({ type: 'string', maxLength: 256 });
    expect(spec.properties.taskTemplate?.properties.cacheSerializable).toEqual({ type: 'boolean' });
    const status = schema?.properties.status as unknown as Field;
    expect(status.properties.cacheStatus?.enum).toEqual(
      expect.arrayContaining(['CACHE_HIT', 'CACHE_MISS', 'CACHE_POPULATED', 'CACHE_DISABLED']),
    );
  });

  it('refuses over-long URIs and timeouts at create', () => {
    type Field = { properties: Record<string, Field>; maxLength?: number };
    const spec = schema?.properties.spec as unknown as Field;
    expect(spec.properties.inputUri?.maxLength).toBe(2048);
    expect(spec.properties.runOutputBase?.maxLength).toBe(2048);
    expect(spec.properties.taskTemplate?.properties.timeout?.maxLength).toBe(64);
    expect(spec.properties.conditionSpec?.properties.timeout?.maxLength).toBe(64);
  });

  it('bounds status.attempts by the most attempts a spec allows, which a signaller cannot pass', () => {
    type Field = { properties: Record<string, Field>; maximum?: number };
    const status = schema?.properties.status as unknown as Field;
    const spec = schema?.properties.spec as unknown as Field;
    const retries = spec.properties.taskTemplate?.properties.retries?.maximum as number;
    expect(status.properties.attempts?.maximum).toBe(retries + 1);
    expect(status.properties.attempts?.maximum).toBe(maxAttempts);
  });

  it('bounds what an author may make large, so an action always has room for its status', () => {
    type Field = Record<string, unknown> & { properties: Record<string, Field> };
    const spec = schema?.properties.spec as unknown as Field;
    const template = spec.properties.taskTemplate as Field;
    for (const list of [template.properties.command, template.properties.args]) {
      expect(list).toMatchObject({ maxItems: maxTaskStrings });
    }
    for (const map of [template.properties.env, spec.properties.envVars]) {
      expect(map).toMatchObject({ maxProperties: maxTaskStrings });
    }
    expect(spec['x-kubernetes-validations']).toContainEqual(
      expect.objectContaining({ rule: expect.stringMatching(/\.sum\(\) : 0\) <= 196608$/) }),
    );
  });

  it("bounds each argument and variable by the kernel's limit on one string, in characters", () => {
    type Field = Record<string, unknown> & { properties: Record<string, Field> };
    const spec = schema?.properties.spec as unknown as Field;
    const template = spec.properties.taskTemplate as Field;
    for (const list of [template.properties.command, template.properties.args]) {
      expect(list).toMatchObject({ items: { maxLength: execStringMaxBytes - 1 } });
    }
    for (const map of [template.properties.env, spec.properties.envVars]) {
      expect(map).toMatchObject({ additionalProperties: { maxLength: execStringMaxBytes - 1 } });
    }
  });

  it('shows the Progressing reason as the status column', () => {
    expect(version?.additionalPrinterColumns).toContainEqual({
      name: 'Status',
      type: 'string',
      jsonPath: ".status.conditions[?(@.type=='Progressing')].reason",
    });
  });

  it('has the condition action fields in the spec and the signal fields in the status', () => {
    const spec = schema?.properties.spec as unknown as { properties: Record<string, unknown> };
    expect(spec.properties.actionType).toEqual({ type: 'string', enum: ['task', 'condition'] });
    expect(spec.properties).toHaveProperty('conditionSpec.properties.timeout.pattern');
    const status = schema?.properties.status as unknown as Record<string, unknown>;
    expect(Object.keys(status.properties as object)).toEqual(
      expect.arrayContaining(['signalValue', 'signalledBy', 'signalledAt']),
    );
    expect(status['x-kubernetes-validations']).toHaveLength(2);
    expect(schema).toHaveProperty(
      ['x-kubernetes-validations', 0, 'fieldPath'],
      '.status.signalValue',
    );
  });
});
