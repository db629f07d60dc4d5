import { z } from 'zod';
import {
  ExecutionSummarySchema,
  FailureReasonSchema,
  PhaseSchema,
} from './workflow-execution-status.js';

const CompletionTimeSchema = z.iso.datetime({ offset: true });

/** What a backend reports about one execution at one moment. */
export const ExecutionResultSchema = z.object({
  phase: PhaseSchema,
  /** A CamelCase reason from the engine (e.g. `BackoffLimitExceeded`, `AWXJobFailed`). */
  reason: z.string().min(1),
  /**
   * For a person to read. It may quote what the workload wrote (a container's termination log),
   * raw: show it through `printableText(message, '\n\t')`, as the WorkflowExecution controller
   * does, so no control or format character it holds reaches a terminal.
   */
  message: z.string(),
  summary: ExecutionSummarySchema,
  /** Exit code of the failed container or step, when the engine reports one. */
  exitCode: z.number().int().optional(),
  /** Name of the failed task or step, for multi-task engines. */
  failedTaskName: z.string().optional(),
  /** Position of the failed task among the execution's tasks, from 0. */
  failedTaskIndex: z.number().int().nonnegative().optional(),
  /** The step of the failed task whose exit ended it, where the engine can tell. */
  failedStepName: z.string().optional(),
  /** The failure classified by the engine, which knows its structured causes; controllers fall back to Unknown. */
  failureReason: FailureReasonSchema.optional(),
  /**
   * When the engine's own resource finished (RFC 3339), for a terminal phase: a controller that
   * saw it late (a missed event, a restart) still records the true completion and starts its
   * cooldown from it. Absent: the controller's clock when it observed the end.
   */
  completionTime: CompletionTimeSchema.optional(),
  /**
   * Whether the engine's resource began running (a PipelineRun's start time or any child run,
   * a Job's start time, an AWX job's start). A failure with no such evidence and no reason that
   * proves execution (kubernaut's rule) did not run the workflow. Absent: the reason decides.
   */
  started: z.boolean().optional(),
  /**
   * For a phase that is not terminal: this result can change with time alone, nothing changing
   * on the engine's resource (a grace that runs out, after which a start that cannot go on
   * fails), so a controller looks again within this many milliseconds even when no event or
   * poll would wake it. It only ever brings a look forward: a controller that would look sooner
   * anyway does, and one reading a terminal phase ignores it. A whole number of at least 1:
   * a hint of 0 or less would have a controller read the resource in a busy loop.
   */
  recheckAfterMs: z.number().int().positive().optional(),
});

export type ExecutionResult = z.infer<typeof ExecutionResultSchema>;

/** Whether an execution in this phase will not change any more. */
export function isTerminalPhase(phase: ExecutionResult['phase'] | undefined): boolean {
  return phase === 'Completed' || phase === 'Failed';
}

/**
 * `time` when it is one `ExecutionResult.completionTime` may carry (RFC 3339), else undefined:
 * an engine passes on the time its resource recorded, and a malformed one is no time at all.
 */
export function completionTimeOf(time: unknown): string | undefined {
  return CompletionTimeSchema.safeParse(time).success ? (time as string) : undefined;
}

/**
 * A second past a grace's end, so the look a controller takes then finds it run out even when
 * its timer fires a little early or the clock moved back a little.
 */
const graceMarginMs = 1_000;

/**
 * The `recheckAfterMs` of a running result read at `nowMs` that a grace ending at `endsAtMs`
 * (both epoch ms) can still turn into a failure with nothing changing on the engine's resource:
 * the time left plus a margin. Undefined once the grace has run out (or its end is unknown),
 * when what the engine reads decides the result and time alone changes it no more.
 */
export function graceRecheckAfterMs(endsAtMs: number, nowMs: number): number | undefined {
  const leftMs = Math.ceil(endsAtMs - nowMs);
  return leftMs > 0 ? leftMs + graceMarginMs : undefined;
}
