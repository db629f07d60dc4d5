import { z } from 'zod';
import { goDurationPattern } from './duration.js';
import { ConfigurationError } from './errors.js';
import { toFieldIssues } from './field-issues.js';
import {
  executionBundlePattern,
  ociDigestPattern,
  targetResourceMaxLength,
  targetResourcePattern,
} from './grammar.js';
import { findShapeIssue } from './shape-issue.js';

/**
 * WorkflowExecution (v1alpha1), field for field compatible with kubernaut's CRD so resources
 * can move between a kubernaut controller and a Roundhouse one. Every type below is inferred
 * from its schema.
 *
 * The spec is strict: an unknown field (`executionConfig.timout`, `spec.paramters`) is a
 * ConfigurationError naming it, not silently dropped, because a misspelt timeout that is
 * ignored is a workflow that runs without one. (Through the API server the CRD prunes unknown
 * fields and answers with a warning; this catches what library callers pass directly.)
 */

const nonEmpty = (what: string) => z.string().min(1, { error: `${what} must not be empty` });

/*
 * Every string and map of the spec is bounded, here and (through the CRD generated from these
 * schemas) in the API server: an unbounded field lets one author write a spec whose echo in an
 * error, or whose copy in a status, is too large to store. The bounds are generous; what
 * kubernaut writes in normal use stays far within them.
 */

/** The longest Kubernetes object name, more than a catalog key or a version string needs. */
const identifierMaxLength = 253;
/**
 * Free text an LLM or a workflow author writes (a parameter value, a rationale): as much as a
 * metav1.Condition message may hold, pages more than a value or an explanation needs.
 */
const freeTextMaxLength = 32_768;
/**
 * Parameters an execution may pass. Each becomes an environment variable, a Tekton param or an
 * AWX extra var; workflows take a handful, and 256 leaves room for generated ones while keeping
 * a spec (and the errors listing its bad names) far from the API server's size limits.
 */
const parametersMaxCount = 256;
const dns1123Subdomain = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** A ServiceAccount name; empty means the controller's default runner, as in kubernaut. */
const serviceAccountName = z
  .string()
  .max(identifierMaxLength)
  .regex(/^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$/, {
    error:
      'must be a lowercase DNS-1123 subdomain (a-z, 0-9, "-" and "."), or empty for the default',
  });

export const TargetResourceSchema = z
  .string()
  .max(targetResourceMaxLength)
  .regex(new RegExp(targetResourcePattern), {
    error:
      'must be "namespace/kind/name" or "kind/name": a DNS-1123 namespace, a kind of letters and digits, and an object name (letters, digits, "-", "_", ":" and single dots between them)',
  });

/** Go's longest duration, "2562047h47m16.854775807s", has 24 characters. */
const goDurationMaxLength = 64;

export const GoDurationSchema = z.string().max(goDurationMaxLength).regex(goDurationPattern, {
  error: 'must be a Go duration such as "30m", "1h30m" or "90s"',
});

export const WorkflowRefSchema = z.strictObject({
  workflowId: nonEmpty('workflowId').max(identifierMaxLength),
  version: nonEmpty('version').max(identifierMaxLength),
  executionBundle: z.string().max(2048).regex(new RegExp(executionBundlePattern), {
    error:
      'must be an OCI reference such as "registry.example.com/team/workflow:1.2" (no spaces), or a repository URL for engines that take one',
  }),
  executionBundleDigest: z
    .string()
    .max(512)
    .regex(new RegExp(ociDigestPattern), {
      error: 'must be an OCI digest such as "sha256:<hex>"',
    })
    .optional(),
  /** Engine-specific settings, validated by the engine that reads them. */
  engineConfig: z.json().optional(),
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
  name: nonEmpty('name').max(identifierMaxLength),
  namespace: z.string().max(63).optional(),
  kind: z.string().max(63).optional(),
  /** A group (a DNS subdomain) and a version (a DNS label). */
  apiVersion: z.string().max(317).optional(),
  uid: z.string().max(128).optional(),
  resourceVersion: z.string().max(128).optional(),
  fieldPath: z.string().max(1024).optional(),
});

/** A Secret or ConfigMap name, checked before anything reads it (`.` and `..` are not names). */
export const DependencyRefSchema = z.strictObject({
  name: nonEmpty('name').max(identifierMaxLength).regex(new RegExp(dns1123Subdomain), {
    error:
      'must be a lowercase DNS-1123 subdomain (a-z, 0-9, "-" and "."), the name of a Secret or ConfigMap',
  }),
});

/**
 * Each dependency is read live before an execution starts, so an unbounded list would turn one
 * execution into thousands of reads; workflows mount a handful.
 */
const dependenciesMaxCount = 64;

export const DependenciesSchema = z.strictObject({
  secrets: z.array(DependencyRefSchema).max(dependenciesMaxCount).optional(),
  configMaps: z.array(DependencyRefSchema).max(dependenciesMaxCount).optional(),
});

export const WorkflowExecutionSpecSchema = z.strictObject({
  workflowRef: WorkflowRefSchema,
  targetResource: TargetResourceSchema,
  parameters: z
    .record(z.string(), z.string().max(freeTextMaxLength))
    .refine((parameters) => Object.keys(parameters).length <= parametersMaxCount, {
      error: (issue) =>
        `has ${Object.keys(issue.input as object).length} parameters; at most ${parametersMaxCount} are allowed`,
    })
    // A refinement has no JSON Schema; the CRD takes the bound from here.
    .meta({ maxProperties: parametersMaxCount })
    .optional(),
  /**
   * Absent or empty means `tekton`, kubernaut's default, so its executions can be taken over.
   * An engine name is a DNS-1123 label: it is the value of the execution-engine label on every
   * resource the engine creates.
   */
  executionEngine: z
    .string()
    .max(63)
    .regex(/^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)?$/, {
      error:
        'must be an engine name of lowercase letters, digits and "-" (e.g. "job", "tekton", "ansible"), or empty for tekton',
    })
    .default('tekton')
    .transform((engine) => engine || 'tekton'),
  executionConfig: ExecutionConfigSchema.optional(),
  remediationRequestRef: ObjectRefSchema.optional(),
  /** Secrets and ConfigMaps the workflow needs; a controller may also supply them from elsewhere. */
  dependencies: DependenciesSchema.optional(),
  /** kubernaut's confidence in the remediation and its reasoning, kept as given. */
  confidence: z.number().optional(),
  rationale: z.string().max(freeTextMaxLength).optional(),
});

export const PhaseSchema = z.enum(['Pending', 'Running', 'Completed', 'Failed']);

export const ConditionStatusSchema = z.enum(['True', 'False', 'Unknown']);

/** metav1.Condition. */
export const ConditionSchema = z.object({
  type: nonEmpty('type'),
  status: ConditionStatusSchema,
  reason: nonEmpty('reason'),
  /** metav1.Condition's own bound. */
  message: z.string().max(32_768),
  lastTransitionTime: z.string(),
  observedGeneration: z.number().int().nonnegative().optional(),
});

export const ExecutionSummarySchema = z.object({
  status: ConditionStatusSchema,
  reason: z.string().optional(),
  message: z.string().optional(),
  completedTasks: z.number().int().nonnegative().optional(),
  totalTasks: z.number().int().nonnegative().optional(),
});

/**
 * Why an execution failed, classified for humans and automation. Every value a controller
 * writes is listed, so a CRD can enumerate them.
 */
export const FailureReasonSchema = z.enum([
  'OOMKilled',
  'DeadlineExceeded',
  'Forbidden',
  'ResourceExhausted',
  'ImagePullBackOff',
  'ConfigurationError',
  'TaskFailed',
  'UnsupportedEngine',
  'ResourceLocked',
  'ExecutionResourceDeleted',
  'Unknown',
]);

export const FailureDetailsSchema = z.object({
  reason: FailureReasonSchema,
  message: z.string(),
  failedAt: z.string(),
  exitCode: z.number().int().optional(),
  /** Position of the failed task in the workflow, from 0, where the engine knows it. */
  failedTaskIndex: z.number().int().nonnegative().optional(),
  failedTaskName: z.string().optional(),
  failedStepName: z.string().optional(),
  /** How long the workflow ran before it failed, a Go duration (`2m30s`); only once it started. */
  executionTimeBeforeFailure: z.string().optional(),
  /** The failure told in a few lines, for people and for an LLM planning the next attempt. */
  naturalLanguageSummary: z.string().max(freeTextMaxLength).optional(),
  /** False when the execution never ran its workflow (bad config, lock, external deletion). */
  wasExecutionFailure: z.boolean(),
});

/**
 * Who cleared a block on the target after a failed execution, and why (kubernaut's
 * BlockClearanceDetails, an audit record). Kept as written; Roundhouse itself never writes it.
 */
export const BlockClearanceSchema = z.object({
  clearedAt: z.string().optional(),
  clearedBy: z.string().optional(),
  clearReason: z.string().max(freeTextMaxLength).optional(),
  clearMethod: z.string().optional(),
});

export const WorkflowExecutionStatusSchema = z.object({
  phase: PhaseSchema.optional(),
  startTime: z.string().optional(),
  completionTime: z.string().optional(),
  duration: z.string().optional(),
  executionRef: z.object({ name: nonEmpty('name') }).optional(),
  executionStatus: ExecutionSummarySchema.optional(),
  /** Deprecated in kubernaut's CRD for failureDetails; kept so what a writer puts there stays. */
  failureReason: z.string().optional(),
  failureDetails: FailureDetailsSchema.optional(),
  blockClearance: BlockClearanceSchema.optional(),
  conditions: z.array(ConditionSchema).optional(),
  observedGeneration: z.number().int().nonnegative().optional(),
  /**
   * AWX credential ids a kubernaut controller created for this execution (kubernaut #479), so
   * a Roundhouse controller taking over can clean them up. Roundhouse itself never writes it.
   */
  ephemeralCredentialIDs: z.array(z.number().int()).optional(),
});

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
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
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
export type Phase = z.infer<typeof PhaseSchema>;
export type ConditionStatus = z.infer<typeof ConditionStatusSchema>;
export type Condition = z.infer<typeof ConditionSchema>;
export type ExecutionSummary = z.infer<typeof ExecutionSummarySchema>;
export type FailureDetails = z.infer<typeof FailureDetailsSchema>;
export type FailureReason = z.infer<typeof FailureReasonSchema>;
export type WorkflowExecutionStatus = z.infer<typeof WorkflowExecutionStatusSchema>;
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
  const metadata = (input as { metadata?: { uid?: unknown; generation?: unknown } } | null)
    ?.metadata;
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
    if (!result.success) throw new ConfigurationError(toFieldIssues(result.error));
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
