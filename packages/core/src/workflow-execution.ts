import { z } from 'zod';
import { goDurationPattern } from './duration.js';
import { ConfigurationError, type FieldIssue } from './errors.js';

/**
 * WorkflowExecution (v1alpha1), field for field compatible with kubernaut's CRD so resources
 * can move between a kubernaut controller and a Roundhouse one. Every type below is inferred
 * from its schema.
 */

const nonEmpty = (what: string) => z.string().min(1, { error: `${what} must not be empty` });

const dnsSubdomain = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
    error: 'must be a lowercase DNS-1123 subdomain (a-z, 0-9, "-" and ".")',
  });

export const TargetResourceSchema = z.string().regex(/^[^/\s]+\/[^/\s]+(\/[^/\s]+)?$/, {
  error: 'must be "namespace/kind/name" or "kind/name" with no empty part',
});

export const GoDurationSchema = z.string().regex(goDurationPattern, {
  error: 'must be a Go duration such as "30m", "1h30m" or "90s"',
});

export const WorkflowRefSchema = z.object({
  workflowId: nonEmpty('workflowId'),
  version: nonEmpty('version'),
  executionBundle: nonEmpty('executionBundle'),
  executionBundleDigest: z
    .string()
    .regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, {
      error: 'must be an OCI digest such as "sha256:<hex>"',
    })
    .optional(),
  /** Engine-specific settings, validated by the engine that reads them. */
  engineConfig: z.json().optional(),
});

export const ExecutionConfigSchema = z.object({
  timeout: GoDurationSchema.optional(),
  serviceAccountName: dnsSubdomain.optional(),
});

export const ObjectRefSchema = z.object({
  name: nonEmpty('name'),
  namespace: nonEmpty('namespace'),
});

export const DependencyRefSchema = z.object({ name: nonEmpty('name') });

export const DependenciesSchema = z.object({
  secrets: z.array(DependencyRefSchema).optional(),
  configMaps: z.array(DependencyRefSchema).optional(),
});

export const WorkflowExecutionSpecSchema = z.object({
  workflowRef: WorkflowRefSchema,
  targetResource: TargetResourceSchema,
  parameters: z.record(z.string(), z.string()).optional(),
  executionEngine: nonEmpty('executionEngine'),
  executionConfig: ExecutionConfigSchema.optional(),
  remediationRequestRef: ObjectRefSchema.optional(),
  /** Secrets and ConfigMaps the workflow needs; a controller may also supply them from elsewhere. */
  dependencies: DependenciesSchema.optional(),
});

export const PhaseSchema = z.enum(['Pending', 'Running', 'Completed', 'Failed']);

export const ConditionStatusSchema = z.enum(['True', 'False', 'Unknown']);

/** metav1.Condition. */
export const ConditionSchema = z.object({
  type: nonEmpty('type'),
  status: ConditionStatusSchema,
  reason: nonEmpty('reason'),
  message: z.string(),
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
  failedTaskName: z.string().optional(),
  /** False when the execution never ran its workflow (bad config, lock, external deletion). */
  wasExecutionFailure: z.boolean(),
});

export const WorkflowExecutionStatusSchema = z.object({
  phase: PhaseSchema.optional(),
  startTime: z.string().optional(),
  completionTime: z.string().optional(),
  duration: z.string().optional(),
  executionRef: z.object({ name: nonEmpty('name') }).optional(),
  executionStatus: ExecutionSummarySchema.optional(),
  failureDetails: FailureDetailsSchema.optional(),
  conditions: z.array(ConditionSchema).optional(),
  observedGeneration: z.number().int().nonnegative().optional(),
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

/** Turns zod issues into field issues with dotted paths a user can find in their YAML. */
export function toFieldIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    return { path, message: describeIssue(issue) };
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return `is required (expected ${issue.expected})`;
  }
  if (issue.code === 'unrecognized_keys') {
    return `unknown field(s) ${issue.keys.join(', ')}`;
  }
  return issue.message;
}

/**
 * Validates an unknown object as a WorkflowExecution. Throws a ConfigurationError that names
 * every bad field and what is expected there.
 */
export function parseWorkflowExecution(input: unknown): WorkflowExecution {
  const result = WorkflowExecutionSchema.safeParse(input);
  if (!result.success) throw new ConfigurationError(toFieldIssues(result.error));
  return result.data;
}
