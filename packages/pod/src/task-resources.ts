/**
 * Tasks and TaskRuns, mini-task's and Tekton's resources on the pod engine: the schemas a
 * controller validates them with (and generates their CRDs from) and their resource types. They
 * live with the engine so a controller and a client (the CLI) share one definition.
 */
import {
  FailureReasonSchema,
  goDurationPattern,
  ObjectMetaSchema,
  type ResourceType,
} from '@roundhouse/core';
import { z } from 'zod';
import { StepsSchema, withoutNul } from './config.js';
import { StepStatusSchema } from './steps.js';

const group = 'roundhouse.dev';
const version = 'v1alpha1';

/** Tasks: reusable lists of steps with declared params. */
export const tasks: ResourceType = Object.freeze({
  group,
  version,
  kind: 'Task',
  plural: 'tasks',
  namespaced: true,
});

/** TaskRuns: one run of a Task in its namespace, as one Pod. */
export const taskRuns: ResourceType = Object.freeze({
  group,
  version,
  kind: 'TaskRun',
  plural: 'taskruns',
  namespaced: true,
});

const paramName = z
  .string()
  .max(63)
  .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, {
    error: 'must start with a letter or "_" and hold only letters, digits, "_" and "-"',
  });

const ParamSpecSchema = z.strictObject({
  name: paramName,
  description: z.string().optional(),
  /**
   * Used when a TaskRun gives no value; a param without one must be given. Pasted into a script,
   * so it holds no NUL, as a script does not.
   */
  default: withoutNul(z.string()).optional(),
});

/** A Task: steps (the pod engine's, field for field), whether they run at once, and params. */
export const TaskSpecSchema = z.strictObject({
  steps: StepsSchema,
  parallel: z.boolean().optional(),
  params: z.array(ParamSpecSchema).optional(),
});

/**
 * A TaskRun's value of a param, pasted into the Task's scripts: without a NUL, as a script, so a
 * refusal names the run's own field, not the Task's script it would have ended up in.
 */
const ParamSchema = z.strictObject({ name: paramName, value: withoutNul(z.string()) });

export const TaskRunSpecSchema = z.strictObject({
  taskRef: z.strictObject({ name: z.string().min(1).max(253) }),
  params: z.array(ParamSchema).optional(),
  /** Go duration; the run fails with TimedOut when it has not finished that long after it started (Tekton's rule: time held without a Pod counts). */
  timeout: z
    .string()
    .regex(goDurationPattern, { error: 'must be a Go duration such as "10m" or "1h30m"' })
    .optional(),
});

export const TaskRunPhaseSchema = z.enum(['Pending', 'Running', 'Succeeded', 'Failed']);

export const TaskRunStatusSchema = z.object({
  phase: TaskRunPhaseSchema.optional(),
  /** CamelCase: TaskNotFound, InvalidParams, TimedOut, StepFailed, StepRunning, ... */
  reason: z.string().optional(),
  message: z.string().optional(),
  podName: z.string().optional(),
  /** When the run started: its Pod's creation, or its first hold without one (a full quota, a Task not yet there). */
  startTime: z.string().optional(),
  completionTime: z.string().optional(),
  /** How a failed run failed, classified by the engine (OOMKilled, DeadlineExceeded, ...). */
  failureReason: FailureReasonSchema.optional(),
  /** Every step in order: its state, exit code, start and finish. */
  stepStatuses: z.array(StepStatusSchema).optional(),
});

export const TaskSchema = z.object({
  metadata: ObjectMetaSchema,
  spec: TaskSpecSchema,
});

export const TaskRunSchema = z.object({
  metadata: ObjectMetaSchema,
  spec: TaskRunSpecSchema,
  status: TaskRunStatusSchema.optional(),
});

export type TaskSpec = z.infer<typeof TaskSpecSchema>;
export type TaskRunSpec = z.infer<typeof TaskRunSpecSchema>;
export type TaskRunPhase = z.infer<typeof TaskRunPhaseSchema>;
export type TaskRunStatus = z.infer<typeof TaskRunStatusSchema>;
export type Task = z.infer<typeof TaskSchema>;
export type TaskRun = z.infer<typeof TaskRunSchema>;
