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
      'Engine',
      'Target',
      'Reason',
      'Age',
    ]);
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
        'ResourceLocked',
      ]),
    );
  });
});
