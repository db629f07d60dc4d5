import { z } from 'zod';
import { freeTextMaxLength, identifierMaxLength, nonEmpty } from './field-bounds.js';

/*
 * The status half of WorkflowExecution (v1alpha1), field for field kubernaut's: what a
 * controller writes and what a kubernaut controller wrote before a Roundhouse one took over.
 */

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
  /** Pod failures a Job tolerated before it finished (kubernaut's `retryCount`, job engine). */
  retryCount: z.number().int().nonnegative().optional(),
});

/**
 * Why an execution failed, classified for humans and automation. Every value a controller
 * writes is listed, so a CRD can enumerate them. A target another execution holds is
 * `Deduplicated`, kubernaut's word since its #190; `ResourceLocked`, what Roundhouse wrote
 * before, stays readable.
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
  'Deduplicated',
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
  /**
   * False when the execution never ran its workflow (bad config, lock, external deletion).
   * Kubernaut's field is `omitempty`: its false is no field at all.
   */
  wasExecutionFailure: z.boolean().default(false),
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
  /**
   * Kubernaut's CRD gives `status` no enum, and its ansible engine wrote the phase there
   * (`Completed`, `Failed`) before it wrote True/False/Unknown: both stay readable.
   */
  executionStatus: ExecutionSummarySchema.extend({
    status: z.enum([...ConditionStatusSchema.options, ...PhaseSchema.options]),
  }).optional(),
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
  /** The execution holding the target when this one was refused as `Deduplicated`. */
  deduplicatedBy: z.string().max(identifierMaxLength).optional(),
  /**
   * Written by kubernaut controllers of other versions (the workflow's name; the engine and
   * ServiceAccount its catalog resolved) and kept as they wrote them; Roundhouse reads the spec.
   */
  workflowName: z.string().max(identifierMaxLength).optional(),
  executionEngine: z.string().max(63).optional(),
  serviceAccountName: z.string().max(identifierMaxLength).optional(),
});

export type Phase = z.infer<typeof PhaseSchema>;
export type ConditionStatus = z.infer<typeof ConditionStatusSchema>;
export type Condition = z.infer<typeof ConditionSchema>;
export type ExecutionSummary = z.infer<typeof ExecutionSummarySchema>;
export type FailureDetails = z.infer<typeof FailureDetailsSchema>;
export type FailureReason = z.infer<typeof FailureReasonSchema>;
export type WorkflowExecutionStatus = z.infer<typeof WorkflowExecutionStatusSchema>;
