import { crdSchemaOf, type JsonSchema } from '@roundhouse/controller';
import {
  FailureReasonSchema,
  PhaseSchema,
  WorkflowExecutionSpecSchema,
  WorkflowExecutionStatusSchema,
} from '@roundhouse/core';

export const group = 'roundhouse.dev';
export const version = 'v1alpha1';
export const kind = 'WorkflowExecution';
export const plural = 'workflowexecutions';

/**
 * The WorkflowExecution CRD, its schema derived from core's zod schemas so the API server and
 * the controller validate the same rules. The spec is immutable (a CEL rule): an execution is
 * a record of one run, and a changed spec would no longer describe what ran.
 */
export function workflowExecutionCrd() {
  const spec = specSchema();
  const status = crdSchemaOf(WorkflowExecutionStatusSchema);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: {
        kind,
        listKind: `${kind}List`,
        plural,
        singular: 'workflowexecution',
        shortNames: ['wfe'],
      },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
            { name: 'Engine', type: 'string', jsonPath: '.spec.executionEngine' },
            { name: 'Target', type: 'string', jsonPath: '.spec.targetResource' },
            {
              name: 'Reason',
              type: 'string',
              jsonPath: '.status.failureDetails.reason',
              priority: 1,
            },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: {
                  ...spec,
                  'x-kubernetes-validations': [
                    { rule: 'self == oldSelf', message: 'spec is immutable after creation' },
                  ],
                },
                status,
              },
            },
          },
        },
      ],
    },
  };
}

/**
 * The spec's schema with the bound on the number of parameters, which zod checks as a
 * refinement (a record has no size keyword) and keeps as metadata for the CRD.
 */
function specSchema(): JsonSchema {
  const spec = crdSchemaOf(WorkflowExecutionSpecSchema);
  const properties = spec.properties as Record<string, JsonSchema>;
  const { maxProperties } = WorkflowExecutionSpecSchema.shape.parameters.unwrap().meta() ?? {};
  return {
    ...spec,
    properties: { ...properties, parameters: { ...properties.parameters, maxProperties } },
  };
}

/** Values the CRD enumerates; the controller writes no others. */
export const enumeratedValues = {
  phase: PhaseSchema.options,
  failureReason: FailureReasonSchema.options,
};
