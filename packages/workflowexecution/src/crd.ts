import { crdSchemaOf, namespacedCrd } from '@roundhouse/controller';
import {
  FailureReasonSchema,
  PhaseSchema,
  WorkflowExecutionSpecSchema,
  WorkflowExecutionStatusSchema,
} from '@roundhouse/core';
import { workflowExecutionApi } from './resource.js';

/**
 * The WorkflowExecution CRD, its schema derived from core's zod schemas so the API server and
 * the controller validate the same rules. The spec is immutable (a CEL rule): an execution is
 * a record of one run, and a changed spec would no longer describe what ran. kubernaut's
 * columns (WorkflowID, Workflow, Duration) and its selectable field are kept, so what works on
 * its WorkflowExecutions (`kubectl get wfe`, `--field-selector spec.remediationRequestRef.name=`)
 * works on these. Served under `apiGroup` (default roundhouse.dev; see `workflowExecutionApi`).
 */
export function workflowExecutionCrd(options: { readonly apiGroup?: string | undefined } = {}) {
  const { group, version, kind, plural } = workflowExecutionApi(options.apiGroup).resource;
  const crd = namespacedCrd({
    type: { group, version, kind, plural },
    shortNames: ['wfe'],
    printerColumns: [
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'WorkflowID', type: 'string', jsonPath: '.spec.workflowRef.workflowId' },
      // The engine of either shape, the older one's first: a column shows its path's first value.
      {
        name: 'Engine',
        type: 'string',
        jsonPath: ".spec['executionEngine', 'workflowRef.executionEngine']",
      },
      { name: 'Workflow', type: 'string', jsonPath: '.spec.workflowRef.workflowName', priority: 1 },
      { name: 'Target', type: 'string', jsonPath: '.spec.targetResource' },
      { name: 'Duration', type: 'string', jsonPath: '.status.duration' },
      // The classified failure, where kubernaut shows the Ready condition's Ready/NotReady.
      { name: 'Reason', type: 'string', jsonPath: '.status.failureDetails.reason', priority: 1 },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
    spec: {
      ...crdSchemaOf(WorkflowExecutionSpecSchema),
      'x-kubernetes-validations': [
        { rule: 'self == oldSelf', message: 'spec is immutable after creation' },
      ],
    },
    status: crdSchemaOf(WorkflowExecutionStatusSchema),
  });
  return {
    ...crd,
    spec: {
      ...crd.spec,
      versions: crd.spec.versions.map((served) => ({
        ...served,
        selectableFields: [{ jsonPath: '.spec.remediationRequestRef.name' }],
      })),
    },
  };
}

/** Values the CRD enumerates; the controller writes no others. */
export const enumeratedValues = {
  phase: PhaseSchema.options,
  failureReason: FailureReasonSchema.options,
};
