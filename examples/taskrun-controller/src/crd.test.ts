import { describe, expect, it } from 'vitest';
import { taskCrd, taskRunCrd } from './crd.js';
import { maxParams, maxParamValueChars, timeoutMaxLength } from './run-size.js';

describe('the CRDs', () => {
  const task = taskCrd();
  const run = taskRunCrd();
  const taskVersion = task.spec.versions[0];
  const runVersion = run.spec.versions[0];
  const taskSchema = taskVersion?.schema.openAPIV3Schema;
  const runSchema = runVersion?.schema.openAPIV3Schema;

  it('are tasks.roundhouse.dev and taskruns.roundhouse.dev; only runs have a status', () => {
    expect(task.metadata.name).toBe('tasks.roundhouse.dev');
    expect(run.metadata.name).toBe('taskruns.roundhouse.dev');
    expect(taskVersion?.subresources).toBeUndefined();
    expect(runVersion?.subresources).toEqual({ status: {} });
    expect(taskSchema?.properties).not.toHaveProperty('status');
  });

  it('carry the zod schemas: steps, params and their rules', () => {
    const steps = taskSchema?.properties.spec.properties as Record<string, Record<string, unknown>>;
    expect(steps.steps).toMatchObject({
      type: 'array',
      minItems: 1,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      items: { required: ['name', 'image', 'script'] },
    });
    expect(steps.params).toMatchObject({ 'x-kubernetes-list-type': 'map' });
    const spec = runSchema?.properties.spec as Record<string, unknown>;
    expect(spec).toMatchObject({
      required: ['taskRef'],
      'x-kubernetes-validations': [{ rule: 'self == oldSelf' }],
    });
    expect(runSchema?.properties).toHaveProperty(
      'status.properties.stepStatuses.items.properties.state.enum',
      ['Waiting', 'Running', 'Succeeded', 'Failed', 'Skipped'],
    );
  });

  it('refuse at create a param value or default holding a NUL, which would end up in a script', () => {
    type Field = { properties: Record<string, Field>; items: Field; pattern?: string };
    const runSpec = runSchema?.properties.spec as unknown as Field;
    const taskSpec = taskSchema?.properties.spec as unknown as Field;
    const runParams = runSpec.properties.params;
    const taskParams = taskSpec.properties.params;
    for (const pattern of [
      runParams?.items.properties.value?.pattern,
      taskParams?.items.properties.default?.pattern,
    ]) {
      const re = new RegExp(pattern as string);
      expect(re.test('$(hostname)\n')).toBe(true);
      expect(re.test('a\0b')).toBe(false);
    }
  });

  it('bound the params and timeout of a run, so it always has room for the status that ends it', () => {
    const spec = runSchema?.properties.spec as unknown as {
      properties: Record<string, Record<string, unknown>>;
    };
    expect(spec.properties.params).toMatchObject({
      maxItems: maxParams,
      items: { properties: { value: { maxLength: maxParamValueChars } } },
      'x-kubernetes-validations': [
        { rule: `self.map(p, size(p.value)).sum() <= ${maxParamValueChars}` },
      ],
    });
    expect(spec.properties.timeout).toMatchObject({ maxLength: timeoutMaxLength });
  });

  it('show the phase, the reason and the running step', () => {
    expect(runVersion?.additionalPrinterColumns.map((c) => c.name)).toEqual([
      'Task',
      'Phase',
      'Reason',
      'Step',
      'Pod',
      'Message',
      'Age',
    ]);
    expect(runVersion?.additionalPrinterColumns).toContainEqual({
      name: 'Step',
      type: 'string',
      jsonPath: ".status.stepStatuses[?(@.state=='Running')].name",
    });
  });
});
