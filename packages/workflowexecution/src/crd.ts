import { crdSchemaOf, namespacedCrd } from '@roundhouse/controller';
import {
  FailureReasonSchema,
  type FieldIssue,
  PhaseSchema,
  WorkflowExecutionSpecSchema,
  WorkflowExecutionStatusSchema,
} from '@roundhouse/core';
import { z } from 'zod';
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

/**
 * Values of `enumeratedValues` only older versions wrote, kept readable: ResourceLocked, now
 * Deduplicated (see FailureReasonSchema). A CRD may leave them out.
 */
const readOnlyValues = new Set(['ResourceLocked']);

interface SchemaNode {
  readonly enum?: readonly unknown[] | undefined;
  readonly properties?: Readonly<Record<string, SchemaNode>> | undefined;
  readonly items?: SchemaNode | undefined;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean | undefined;
}

const CrdVersionsSchema = z.looseObject({
  spec: z.looseObject({
    versions: z.array(
      z.looseObject({
        name: z.string(),
        schema: z.looseObject({ openAPIV3Schema: z.unknown() }).optional(),
      }),
    ),
  }),
});

function enumGaps(ours: SchemaNode, theirs: SchemaNode | undefined, path: string): FieldIssue[] {
  if (!theirs || theirs['x-kubernetes-preserve-unknown-fields']) return [];
  const missing = (ours.enum ?? []).filter(
    (value) => theirs.enum && !theirs.enum.includes(value) && !readOnlyValues.has(String(value)),
  );
  const here: FieldIssue[] = missing.length
    ? [
        {
          path,
          message: `the installed CRD does not enumerate ${missing.join(', ')}, which this controller writes there (the API server would refuse its status writes)`,
        },
      ]
    : [];
  const properties = Object.entries(ours.properties ?? {}).flatMap(([name, node]) =>
    enumGaps(node, theirs.properties?.[name], `${path}.${name}`),
  );
  const items = ours.items ? enumGaps(ours.items, theirs.items, `${path}[]`) : [];
  return [...here, ...properties, ...items];
}

/**
 * What an installed WorkflowExecution CRD (kubernaut's own, say) would refuse of the status this
 * controller writes: each enum of this package's status schema missing a value the controller
 * writes (kubernaut's failure reasons lack ExecutionResourceDeleted). Fields it would prune are
 * not checked: every field the controller's crash safety reads is kubernaut's too.
 */
export function crdStatusGaps(installed: unknown): FieldIssue[] {
  const ours = workflowExecutionCrd().spec.versions[0]?.schema.openAPIV3Schema as SchemaNode;
  const parsed = CrdVersionsSchema.safeParse(installed);
  const served = parsed.success
    ? parsed.data.spec.versions.find(
        (entry) => entry.name === workflowExecutionApi().resource.version,
      )
    : undefined;
  const theirs = served?.schema?.openAPIV3Schema as SchemaNode | undefined;
  return enumGaps(ours.properties?.status ?? {}, theirs?.properties?.status, 'status');
}
