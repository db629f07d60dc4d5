import { z } from 'zod';
import { remoteClusterMessage } from './cluster-scope.js';
import { dependenciesMaxCount, tooManyDependencies } from './dependency-count.js';
import { goDurationPattern } from './duration.js';
import { EngineConfigSchema } from './engine-config.js';
import { ConfigurationError } from './errors.js';
import { listsDependencies, requestedEngine } from './execution-identity.js';
import { freeTextMaxLength, identifierMaxLength, nonEmpty } from './field-bounds.js';
import { toFieldIssues } from './field-issues.js';
import {
  executionBundleDigestPattern,
  executionBundlePattern,
  referenceDigestProblem,
} from './grammar.js';
import { digestProblem } from './image-reference.js';
import { parametersMaxCount, tooManyDeclaredNames, tooManyParameters } from './parameter-count.js';
import { WorkflowRefResourcesSchema } from './resource-requirements.js';
import { findShapeIssue } from './shape-issue.js';
import { StringListSchema, StringMapSchema } from './string-collections.js';
import { TargetResourceSchema } from './target-resource.js';
import { WorkflowExecutionStatusSchema } from './workflow-execution-status.js';

/**
 * WorkflowExecution (v1alpha1), field for field compatible with kubernaut's CRD so resources
 * can move between a kubernaut controller and a Roundhouse one. Every type below is inferred
 * from its schema.
 *
 * The spec is strict: an unknown field (`executionConfig.timout`, `spec.paramters`) is a
 * ConfigurationError naming it, not silently dropped, because a misspelt timeout that is
 * ignored is a workflow that runs without one. (Through the API server the CRD prunes unknown
 * fields and answers with a warning; this catches what library callers pass directly.)
 *
 * Both of kubernaut's shapes are read: the one of its v1.0 CRD (`spec.executionEngine`,
 * `spec.executionConfig`, `spec.dependencies`) and the one since its #1661, where the workflow's
 * catalog snapshot in `spec.workflowRef` carries the engine, ServiceAccount, dependencies,
 * container resources and declared parameters, and `spec.timesOutAt` the deadline.
 */

const dns1123Subdomain = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** A ServiceAccount name; empty means the controller's default runner, as in kubernaut. */
const serviceAccountName = z
  .string()
  .max(identifierMaxLength)
  .regex(/^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$/, {
    error:
      'must be a lowercase DNS-1123 subdomain (a-z, 0-9, "-" and "."), or empty for the default',
  });

/**
 * An engine name is a DNS-1123 label: it is the value of the execution-engine label on every
 * resource the engine creates. Empty means `tekton`, kubernaut's default.
 */
const engineName = z
  .string()
  .max(63)
  .regex(/^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)?$/, {
    error:
      'must be an engine name of lowercase letters, digits and "-" (e.g. "job", "tekton", "ansible"), or empty for tekton',
  });

/** metav1.Time as Go writes it: RFC 3339, a `Z` or an offset, fractional seconds optional. */
const kubeTime = z
  .string()
  .max(64)
  .regex(
    /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$/,
    {
      error: 'must be an RFC 3339 time such as "2026-12-02T10:00:00Z"',
    },
  )
  .refine((value) => !Number.isNaN(Date.parse(value)), { error: 'is not a valid time' });

/** Go's longest duration, "2562047h47m16.854775807s", has 24 characters. */
const goDurationMaxLength = 64;

export const GoDurationSchema = z
  .string()
  .max(goDurationMaxLength, { abort: true })
  .regex(goDurationPattern, {
    error: 'must be a Go duration such as "30m", "1h30m" or "90s"',
  });

/** A Secret or ConfigMap name, checked before anything reads it (`.` and `..` are not names). */
export const DependencyRefSchema = z.strictObject({
  name: nonEmpty('name').max(identifierMaxLength).regex(new RegExp(dns1123Subdomain), {
    error:
      'must be a lowercase DNS-1123 subdomain (a-z, 0-9, "-" and "."), the name of a Secret or ConfigMap',
  }),
});

const dependencyList = z.array(DependencyRefSchema).max(dependenciesMaxCount, {
  error: (issue) => tooManyDependencies((issue.input as unknown[]).length),
});

export const DependenciesSchema = z.strictObject({
  secrets: dependencyList.optional(),
  configMaps: dependencyList.optional(),
});

export const WorkflowRefSchema = z.strictObject({
  workflowId: nonEmpty('workflowId').max(identifierMaxLength),
  // Kubernaut's field is required but may be empty: its test executions leave it "".
  version: z.string().max(identifierMaxLength),
  executionBundle: z
    .string()
    .max(2048)
    .regex(new RegExp(executionBundlePattern), {
      // kubernaut's words for an empty one (its ValidateSpec); the grammar is Roundhouse's own.
      error: (issue) => {
        if (issue.input === '') return 'workflowRef.executionBundle is required';
        const digest = referenceDigestProblem(String(issue.input));
        return digest
          ? `its digest: ${digest}`
          : 'must be an OCI reference such as "registry.example.com/team/workflow:1.2" (no spaces), or a repository URL for engines that take one';
      },
    }),
  executionBundleDigest: z
    .string()
    .max(512)
    .regex(new RegExp(executionBundleDigestPattern), {
      error: (issue) =>
        digestProblem(String(issue.input)) ??
        'must be an OCI digest such as "sha256:<64 lowercase hex digits>"',
    })
    .optional(),
  /** Engine-specific settings, validated by the engine that reads them. */
  engineConfig: EngineConfigSchema.optional(),
  /** The catalog's name for the workflow and its action type, kept for people and audits. */
  workflowName: z.string().max(identifierMaxLength).optional(),
  actionType: z.string().max(identifierMaxLength).optional(),
  /** The engine, where kubernaut's catalog snapshot puts it; see `spec.executionEngine`. */
  executionEngine: engineName.optional(),
  /** As `executionConfig.serviceAccountName`; at most one of the two may name one. */
  serviceAccountName: serviceAccountName.optional(),
  /** As `spec.dependencies`; at most one of the two may list any. */
  dependencies: DependenciesSchema.optional(),
  /** The workflow container's requests and limits (engines that run containers). */
  resources: WorkflowRefResourcesSchema.optional(),
  /**
   * The parameter names the workflow's schema declares (`true`), as kubernaut's catalog
   * snapshot carries them: any other parameter is dropped before the workflow is built. Null or
   * absent: no schema, every parameter passes; empty: none does.
   */
  declaredParameterNames: z
    .record(z.string().max(identifierMaxLength), z.boolean())
    .refine((names) => Object.keys(names).length <= parametersMaxCount, {
      error: tooManyDeclaredNames,
    })
    .meta({ maxProperties: parametersMaxCount })
    .nullable()
    .optional(),
});

export const ExecutionConfigSchema = z.strictObject({
  timeout: GoDurationSchema.optional(),
  serviceAccountName: serviceAccountName.optional(),
});

/**
 * corev1.ObjectReference to the object that asked for this execution (kubernaut's
 * RemediationRequest); the namespace defaults to the execution's.
 */
export const ObjectRefSchema = z.strictObject({
  // Every field of corev1.ObjectReference is omitempty: kubernaut writes an unset one as `{}`.
  name: z.string().max(identifierMaxLength).optional(),
  namespace: z.string().max(63).optional(),
  kind: z.string().max(63).optional(),
  /** A group (a DNS subdomain) and a version (a DNS label). */
  apiVersion: z.string().max(317).optional(),
  uid: z.string().max(128).optional(),
  resourceVersion: z.string().max(128).optional(),
  fieldPath: z.string().max(1024).optional(),
});

const SpecFieldsSchema = z.strictObject({
  workflowRef: WorkflowRefSchema,
  targetResource: TargetResourceSchema,
  parameters: z
    .record(
      z.string().max(identifierMaxLength),
      // A process environment is NUL-terminated strings: the container would never start.
      z
        .string()
        .max(freeTextMaxLength)
        .refine((value) => !value.includes('\0'), {
          error: 'must not contain a NUL character: no process environment can hold one',
        }),
    )
    .refine((parameters) => Object.keys(parameters).length <= parametersMaxCount, {
      error: (issue) => tooManyParameters(Object.keys(issue.input as object).length),
    })
    // A refinement has no JSON Schema; the CRD takes the bound from here.
    .meta({ maxProperties: parametersMaxCount })
    .optional(),
  /** Absent or empty means `tekton`, kubernaut's default, so its executions can be taken over. */
  executionEngine: engineName.optional(),
  executionConfig: ExecutionConfigSchema.optional(),
  remediationRequestRef: ObjectRefSchema.optional(),
  /** Secrets and ConfigMaps the workflow needs; a controller may also supply them from elsewhere. */
  dependencies: DependenciesSchema.optional(),
  /** kubernaut's confidence in the remediation and its reasoning, kept as given. */
  confidence: z.number().optional(),
  rationale: z.string().max(freeTextMaxLength).optional(),
  /**
   * The cluster to run in (kubernaut's fleet, BR-FLEET-054). This controller runs executions in
   * its own cluster only, so any other is refused, never run here instead.
   */
  clusterID: z.string().max(identifierMaxLength).optional(),
  /**
   * The absolute deadline of the execution (kubernaut's DD-TIMEOUT-002): it ends no later than
   * this, whatever `executionConfig.timeout` says.
   */
  timesOutAt: kubeTime.optional(),
});

type SpecFields = z.infer<typeof SpecFieldsSchema>;

/** A setting kubernaut's two shapes both carry may be given in one place only, or alike. */
function checkOneSource(spec: SpecFields, ctx: z.RefinementCtx): void {
  const ref = spec.workflowRef;
  const conflict = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  if (ref.executionEngine && spec.executionEngine && ref.executionEngine !== spec.executionEngine) {
    conflict(
      ['workflowRef', 'executionEngine'],
      `names engine "${ref.executionEngine}" but spec.executionEngine names "${spec.executionEngine}"; set one of them`,
    );
  }
  const account = spec.executionConfig?.serviceAccountName;
  if (ref.serviceAccountName && account && ref.serviceAccountName !== account) {
    conflict(
      ['workflowRef', 'serviceAccountName'],
      `names "${ref.serviceAccountName}" but spec.executionConfig.serviceAccountName names "${account}"; set one of them`,
    );
  }
  if (listsDependencies(ref.dependencies) && listsDependencies(spec.dependencies)) {
    conflict(
      ['workflowRef', 'dependencies'],
      'spec.dependencies lists dependencies too; list them in one place',
    );
  }
  const remote = remoteClusterMessage(spec.clusterID, requestedEngine(spec));
  if (remote) conflict(['clusterID'], remote);
}

/**
 * The spec as executors read it: `executionEngine` is the engine wherever kubernaut's shape put
 * it, `tekton` when neither names one.
 */
export const WorkflowExecutionSpecSchema = SpecFieldsSchema.superRefine(checkOneSource).transform(
  (spec) => ({ ...spec, executionEngine: requestedEngine(spec) }),
);

/**
 * metav1.ObjectMeta as the API server returns it, so a validated WorkflowExecution is the same
 * object a cache holds and an event or status write can take it as it is.
 */
export const ObjectMetaSchema = z.looseObject({
  name: nonEmpty('name'),
  namespace: nonEmpty('namespace'),
  generateName: z.string().optional(),
  uid: z.string().optional(),
  generation: z.number().int().optional(),
  resourceVersion: z.string().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: StringMapSchema.optional(),
  annotations: StringMapSchema.optional(),
  finalizers: StringListSchema.optional(),
  ownerReferences: z.array(z.record(z.string(), z.unknown())).optional(),
});

export const WorkflowExecutionSchema = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema,
  spec: WorkflowExecutionSpecSchema,
  status: WorkflowExecutionStatusSchema.optional(),
});

export type WorkflowRef = z.infer<typeof WorkflowRefSchema>;
export type ExecutionConfig = z.infer<typeof ExecutionConfigSchema>;
export type ObjectRef = z.infer<typeof ObjectRefSchema>;
export type Dependencies = z.infer<typeof DependenciesSchema>;
export type WorkflowExecutionSpec = z.infer<typeof WorkflowExecutionSpecSchema>;
export type WorkflowExecution = z.infer<typeof WorkflowExecutionSchema>;

/**
 * Validates an unknown object as a WorkflowExecution. Throws a ConfigurationError that names
 * every bad field and what is expected there, and nothing else: whatever else goes wrong
 * reading the object (its shape exhausted something) cannot go away by reading it again.
 */
export function parseWorkflowExecution(input: unknown): WorkflowExecution {
  return validated(input, input, WorkflowExecutionSchema);
}

const WithoutSpecSchema = WorkflowExecutionSchema.omit({ spec: true });

/**
 * Validates a newer version of an execution validated before as `known`, as
 * `parseWorkflowExecution` does. The API server moves a custom resource's
 * `metadata.generation` on every change of its spec, so the same uid and generation mean the
 * same spec: only the metadata and the status are validated again and `known`'s spec is kept.
 * A controller parses every version its own status writes make, and the spec is most of the work.
 */
export function reparseWorkflowExecution(
  input: unknown,
  known: WorkflowExecution,
): WorkflowExecution {
  const metadata = (
    input as { metadata?: { uid?: unknown; generation?: unknown } | undefined } | null
  )?.metadata;
  const sameSpec =
    metadata?.uid !== undefined &&
    metadata.uid === known.metadata.uid &&
    typeof metadata.generation === 'number' &&
    metadata.generation === known.metadata.generation;
  if (!sameSpec) return parseWorkflowExecution(input);
  const root = input as Record<string, unknown>;
  const rest = validated(
    input,
    { metadata: root.metadata, status: root.status },
    WithoutSpecSchema,
  );
  return { ...rest, spec: known.spec };
}

function validated<S extends z.ZodType>(input: unknown, shaped: unknown, schema: S): z.output<S> {
  try {
    const shapeIssue = findShapeIssue(shaped);
    if (shapeIssue !== undefined) throw new ConfigurationError(shapeIssue);
    const result = schema.safeParse(input);
    if (!result.success) throw new ConfigurationError(toFieldIssues(result.error, '', input));
    return result.data;
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    throw new ConfigurationError(
      {
        path: 'spec',
        message: `could not be validated (${error instanceof Error ? error.message : String(error)}); check it for deeply nested or unusually large values`,
      },
      { cause: error },
    );
  }
}
