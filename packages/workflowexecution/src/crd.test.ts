import { describe, expect, it } from 'vitest';
import { enumeratedValues, workflowExecutionCrd } from './crd.js';

describe('workflowExecutionCrd', () => {
  const crd = workflowExecutionCrd();
  const version = crd.spec.versions[0]!;
  const schema = version.schema.openAPIV3Schema as {
    properties: Record<
      string,
      { properties?: Record<string, Record<string, unknown>>; [k: string]: unknown }
    >;
  };

  it('names the resource wfe with a status subresource and the printer columns users read', () => {
    expect(crd.metadata.name).toBe('workflowexecutions.roundhouse.dev');
    expect(crd.spec.names.shortNames).toEqual(['wfe']);
    expect(version.subresources).toEqual({ status: {} });
    expect(version.additionalPrinterColumns.map((c) => c.name)).toEqual([
      'Phase',
      'WorkflowID',
      'Engine',
      'Workflow',
      'Target',
      'Duration',
      'Reason',
      'Age',
    ]);
  });

  it("keeps kubernaut's WorkflowID, Workflow and Duration columns and its selectable field (kubebuilder markers of its CRD)", () => {
    expect(version.additionalPrinterColumns).toEqual(
      expect.arrayContaining([
        { name: 'WorkflowID', type: 'string', jsonPath: '.spec.workflowRef.workflowId' },
        {
          name: 'Workflow',
          type: 'string',
          jsonPath: '.spec.workflowRef.workflowName',
          priority: 1,
        },
        { name: 'Duration', type: 'string', jsonPath: '.status.duration' },
      ]),
    );
    expect(version.selectableFields).toEqual([{ jsonPath: '.spec.remediationRequestRef.name' }]);
  });

  it("derives the spec from core's schema and makes it immutable", () => {
    const spec = schema.properties.spec!;
    expect(spec.required).toEqual(['workflowRef', 'targetResource']);
    expect(spec.properties?.targetResource?.pattern).toBeDefined();
    expect(spec.properties?.workflowRef?.properties).toMatchObject({
      engineConfig: { 'x-kubernetes-preserve-unknown-fields': true },
    });
    expect(spec['x-kubernetes-validations']).toEqual([
      { rule: 'self == oldSelf', message: 'spec is immutable after creation' },
    ]);
  });

  it('bounds every string and the parameters, as the controller does', () => {
    const spec = schema.properties.spec!;
    const parameters = spec.properties?.parameters;
    expect(parameters?.maxProperties).toBe(256);
    expect(parameters?.additionalProperties).toMatchObject({ maxLength: 32_768 });
    expect(spec.properties?.executionEngine).toMatchObject({
      maxLength: 63,
      pattern: '^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)?$',
    });
    const strings: [string, Record<string, unknown>][] = [];
    const pending: [string, Record<string, unknown>][] = [['spec', spec]];
    for (let next = pending.pop(); next; next = pending.pop()) {
      const [path, node] = next;
      if (node.type === 'string') strings.push([path, node]);
      for (const [name, child] of Object.entries(
        (node.properties ?? {}) as Record<string, Record<string, unknown>>,
      )) {
        pending.push([`${path}.${name}`, child]);
      }
      for (const key of ['items', 'additionalProperties']) {
        if (node[key]) pending.push([`${path}.${key}`, node[key] as Record<string, unknown>]);
      }
    }
    expect(strings.length).toBeGreaterThan(15);
    for (const [path, node] of strings) expect(node.maxLength, path).toBeLessThanOrEqual(32_768);
  });

  it('enumerates every phase and failure reason the controller writes', () => {
    const status = schema.properties.status!;
    expect(status.properties?.phase?.enum).toEqual(enumeratedValues.phase);
    const failure = status.properties?.failureDetails as {
      properties: Record<string, { enum?: string[] }>;
    };
    expect(failure.properties.reason?.enum).toEqual(enumeratedValues.failureReason);
    expect(enumeratedValues.failureReason).toEqual(
      expect.arrayContaining([
        'OOMKilled',
        'DeadlineExceeded',
        'Forbidden',
        'ResourceExhausted',
        'ImagePullBackOff',
        'ConfigurationError',
        'TaskFailed',
        'Unknown',
        'UnsupportedEngine',
        'Deduplicated',
      ]),
    );
  });
});
