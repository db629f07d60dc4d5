import { crdSchemaOf, namespacedCrd } from '@roundhouse/controller';
import {
  type FailureReason,
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

/**
 * Fields the status schema leaves optional, since statuses other writers left may lack them,
 * but that the controller writes whenever it writes their object: markFailed's failureDetails,
 * every field kubernaut's Go struct serializes without omitempty (its CRD requires them).
 */
export const alwaysWritten: Readonly<Record<string, readonly string[]>> = {
  'status.failureDetails': ['failedTaskIndex', 'failedTaskName', 'naturalLanguageSummary'],
};

/**
 * Objects the controller never writes itself, only keeps as another writer left them
 * (kubernaut's blockClearance, an operator's audit record): what their schema requires is that
 * writer's to give.
 */
const keptAsWritten = new Set(['status.blockClearance']);

interface SchemaNode {
  readonly enum?: readonly unknown[] | undefined;
  readonly required?: readonly string[] | undefined;
  readonly properties?: Readonly<Record<string, SchemaNode>> | undefined;
  readonly items?: SchemaNode | undefined;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean | undefined;
}

const CrdVersionsSchema = z.looseObject({
  spec: z.looseObject({
    versions: z.array(
      z.looseObject({
        name: z.string(),
        served: z.boolean().optional(),
        schema: z.looseObject({ openAPIV3Schema: z.unknown() }).optional(),
      }),
    ),
  }),
});

const failureReasonPath = 'status.failureDetails.reason';

/** The failure reason a CRD that lists it takes for one it does not list (kubernaut's own does). */
export const fallbackFailureReason: FailureReason = 'Unknown';

/** Values of an enum of ours the installed schema does not list. */
function unlisted(ours: SchemaNode, theirs: SchemaNode | undefined): unknown[] {
  return (ours.enum ?? []).filter(
    (value) => theirs?.enum && !theirs.enum.includes(value) && !readOnlyValues.has(String(value)),
  );
}

/**
 * Values of an enum of ours the installed schema does not list, but for failure reasons while
 * it lists `Unknown`: the controller writes those as `Unknown` (`crdUnlistedFailureReasons`).
 */
function enumGap(ours: SchemaNode, theirs: SchemaNode, path: string): FieldIssue[] {
  if (path === failureReasonPath && theirs.enum?.includes(fallbackFailureReason)) return [];
  const missing = unlisted(ours, theirs);
  return missing.length
    ? [
        {
          path,
          message: `the installed CRD does not enumerate ${missing.join(', ')}, which this controller writes there (the API server would refuse its status writes)`,
        },
      ]
    : [];
}

/** Fields the installed schema requires of an object the controller writes, and it may omit. */
function requiredGap(ours: SchemaNode, theirs: SchemaNode, path: string): FieldIssue[] {
  const written = new Set([...(ours.required ?? []), ...(alwaysWritten[path] ?? [])]);
  const missing = (theirs.required ?? []).filter((name) => !written.has(name));
  return missing.length
    ? [
        {
          path,
          message: `the installed CRD requires ${missing.join(', ')}, which this controller may leave out of what it writes there (the API server would refuse its status writes)`,
        },
      ]
    : [];
}

function statusGaps(ours: SchemaNode, theirs: SchemaNode | undefined, path: string): FieldIssue[] {
  if (!theirs || theirs['x-kubernetes-preserve-unknown-fields'] || keptAsWritten.has(path))
    return [];
  const properties = Object.entries(ours.properties ?? {}).flatMap(([name, node]) =>
    statusGaps(node, theirs.properties?.[name], `${path}.${name}`),
  );
  const items = ours.items ? statusGaps(ours.items, theirs.items, `${path}[]`) : [];
  return [
    ...enumGap(ours, theirs, path),
    ...requiredGap(ours, theirs, path),
    ...properties,
    ...items,
  ];
}

/**
 * What an installed WorkflowExecution CRD (kubernaut's own, say) would refuse of the status this
 * controller writes: each enum of this package's status schema missing a value the controller
 * writes (but failure reasons written as `Unknown`, see `crdUnlistedFailureReasons`), each field it requires in
 * an object the controller writes that the controller may leave out, or this package's version
 * not served at all. Fields it would prune are not checked: every field the controller's crash
 * safety reads is kubernaut's too.
 */
export function crdStatusGaps(installed: unknown): FieldIssue[] {
  const ours = workflowExecutionCrd().spec.versions[0]?.schema.openAPIV3Schema as SchemaNode;
  const { version } = workflowExecutionApi().resource;
  const parsed = CrdVersionsSchema.safeParse(installed);
  if (!parsed.success) return [];
  const served = parsed.data.spec.versions.find((entry) => entry.name === version);
  if (!served || served.served === false) {
    return [
      {
        path: 'spec.versions',
        message: `the installed CRD does not serve ${version}, the version this controller reads and writes`,
      },
    ];
  }
  const theirs = served.schema?.openAPIV3Schema as SchemaNode | undefined;
  return statusGaps(ours.properties?.status ?? {}, theirs?.properties?.status, 'status');
}

/**
 * The failure reasons the controller writes that an installed CRD does not list, though it lists
 * `Unknown`: kubernaut's own lists no ExecutionResourceDeleted, and kubernaut writes `Unknown`
 * for a resource deleted mid-run, so the controller writes that there, its message unchanged.
 */
export function crdUnlistedFailureReasons(installed: unknown): FailureReason[] {
  const parsed = CrdVersionsSchema.safeParse(installed);
  if (!parsed.success) return [];
  const { version } = workflowExecutionApi().resource;
  const served = parsed.data.spec.versions.find((entry) => entry.name === version);
  const reason = (schema: unknown) =>
    (schema as SchemaNode | undefined)?.properties?.status?.properties?.failureDetails?.properties
      ?.reason;
  const ours = reason(workflowExecutionCrd().spec.versions[0]?.schema.openAPIV3Schema);
  const theirs = reason(served?.schema?.openAPIV3Schema);
  if (!ours || !theirs?.enum?.includes(fallbackFailureReason)) return [];
  return unlisted(ours, theirs).map((value) => FailureReasonSchema.parse(value));
}
