import { CleanupPendingError, parseGoDuration } from '@roundhouse/core';
import { z } from 'zod';
import type { CancelSpecStatus } from './cancellation.js';
import { explainRefusedChildRun, type RunEvent } from './refused-child-run.js';
import {
  isTaskRunFinished,
  PipelineRunStateSchema,
  succeededCondition,
  type TaskRunState,
} from './status.js';
import { taskRunExceededResourceQuota } from './stuck-start.js';
import { taskRunMayHaveRun } from './task-run-ran.js';

/**
 * Tekton's `default-timeout-minutes` when the cluster leaves it alone (config-defaults, v1.15):
 * the timeout of a run whose spec gives none, which only a run no webhook defaulted lacks.
 */
const tektonDefaultTimeoutMs = 60 * 60_000;

/** How often a caller is told to look again while it waits; a controller's watch is sooner. */
const recheckMs = 30_000;

const gracefulSpecStatuses: ReadonlySet<string> = new Set<CancelSpecStatus>([
  'CancelledRunFinally',
  'StoppedRunFinally',
]);

const TimeoutsSchema = z.looseObject({
  pipeline: z.string().optional(),
  tasks: z.string().optional(),
  finally: z.string().optional(),
});

type Timeouts = z.infer<typeof TimeoutsSchema>;

/** The parts of a PipelineRun that say whether a graceful cancel's `finally` still runs. */
export const GracefulRunSchema = PipelineRunStateSchema.extend({
  metadata: z.looseObject({ creationTimestamp: z.string().optional() }).optional(),
  spec: z
    .looseObject({ status: z.string().optional(), timeouts: TimeoutsSchema.optional() })
    .optional(),
  status: PipelineRunStateSchema.shape.status
    .unwrap()
    .extend({
      /** Set by Tekton when the run's `finally` tasks start. */
      finallyStartTime: z.string().nullish(),
    })
    .optional(),
});

export type GracefulRun = z.infer<typeof GracefulRunSchema>;

/** The run's child TaskRuns, every one of them read, for `gracefulFinallyUntil`. */
export interface GracefulChildren {
  /**
   * With, when `events` are read, the children Tekton created that the run does not list yet,
   * and its CustomRuns and child PipelineRuns (see `readNextRunRefusal`).
   */
  readonly taskRuns: readonly TaskRunState[];
  /**
   * The run's own Events, read while none of its children runs (see `readNextRunRefusal`): a
   * quota's refusal of the next TaskRun Tekton creates shows only there.
   */
  readonly events?: readonly RunEvent[] | undefined;
  /**
   * How long a task a ResourceQuota keeps from starting is given before the wait stops counting
   * on it (the engine's `startupGraceMs`).
   */
  readonly startupGraceMs: number;
}

/**
 * Until when (epoch ms) cleanup leaves the run alone so the `finally` tasks a graceful cancel
 * asked for can end, or undefined when it may delete the run now. Only a run Tekton still
 * reports running after `spec.status` asked for `CancelledRunFinally` or `StoppedRunFinally`
 * waits: deleting it would kill its `finally` (the step that releases a lock or a cloud
 * resource). A run not cancelled gracefully, finished, or never reconciled by Tekton goes at once.
 *
 * The wait ends when Tekton itself would end the run (pipelinerun.go, v1.15): its pipeline
 * timeout from `status.startTime`, or its finally timeout from `status.finallyStartTime`,
 * whichever comes first. Tekton's webhook writes the cluster's `default-timeout-minutes` into
 * `spec.timeouts.pipeline` of every run it admits (`SetDefaults`), so a stored run carries the
 * timeout its controller applies; only a run no webhook defaulted has none, and is given
 * Tekton's own default. Past that the run is deleted anyway, since a run Tekton does not end by
 * then (its controller is down) would otherwise hold the target's lock, or the execution's
 * deletion, for ever. A run with no timeout at all (`0s`) waits Tekton's default from its
 * `finally`'s start, or its own before then.
 *
 * With `children`, the wait also ends when nothing of the run ever ran and nothing can now,
 * past the grace (from the `finally`'s start, or the run's creation before it): none of its
 * TaskRuns ran, and every one still unfinished has its pod refused for a ResourceQuota, or, with
 * none unfinished, an Event says a quota refused the next TaskRun (see `explainRefusedChildRun`).
 * Tekton cancels or skips the tasks and then creates the `finally` TaskRuns, which the same
 * quota refuses; they would hold the target's lock until the timeout to undo what never ran.
 * A run whose tasks ran keeps waiting for its `finally`, quota or not: that `finally` releases
 * what they took.
 */
export function gracefulFinallyUntil(
  run: GracefulRun,
  now: number,
  children?: GracefulChildren | undefined,
): number | undefined {
  if (!gracefulSpecStatuses.has(run.spec?.status ?? '')) return undefined;
  if (succeededCondition(run)?.status !== 'Unknown') return undefined;
  const started = Date.parse(run.status?.startTime ?? run.metadata?.creationTimestamp ?? '');
  if (Number.isNaN(started)) return undefined;
  if (children && nothingRanNorCanStart(run, children, now)) return undefined;
  const finallyStarted = Date.parse(run.status?.finallyStartTime ?? '');
  const timeouts = run.spec?.timeouts;
  const pipeline =
    timeouts?.pipeline === undefined ? tektonDefaultTimeoutMs : parseGoDuration(timeouts.pipeline);
  const final = finallyTimeout(timeouts);
  const ends = [
    positive(pipeline) ? started + pipeline : undefined,
    positive(final) && !Number.isNaN(finallyStarted) ? finallyStarted + final : undefined,
  ].filter((end): end is number => end !== undefined);
  const until =
    ends.length > 0
      ? Math.min(...ends)
      : (Number.isNaN(finallyStarted) ? started : finallyStarted) + tektonDefaultTimeoutMs;
  return now < until ? until : undefined;
}

/**
 * Whether no child of the run ran and, past the grace, every unfinished one (at least one) is a
 * TaskRun whose pod a ResourceQuota refuses, or, with none unfinished, a quota refused the next.
 * A child not among `taskRuns`, or of another kind, may be running.
 */
function nothingRanNorCanStart(run: GracefulRun, children: GracefulChildren, now: number): boolean {
  const since = Date.parse(run.status?.finallyStartTime ?? run.metadata?.creationTimestamp ?? '');
  if (Number.isNaN(since) || now < since + children.startupGraceMs) return false;
  const byName = new Map(children.taskRuns.map((taskRun) => [taskRun.metadata.name, taskRun]));
  let refused = false;
  for (const ref of run.status?.childReferences ?? []) {
    const taskRun = ref.kind === 'TaskRun' && ref.name ? byName.get(ref.name) : undefined;
    if (!taskRun || taskRunMayHaveRun(taskRun)) return false;
    if (isTaskRunFinished(taskRun)) continue;
    if (succeededCondition(taskRun)?.reason !== taskRunExceededResourceQuota) return false;
    refused = true;
  }
  return (
    refused || explainRefusedChildRun(run, children.taskRuns, children.events ?? []) !== undefined
  );
}

/** Tekton's `FinallyTimeout`: `finally`, else `pipeline` minus `tasks` when both are set. */
function finallyTimeout(timeouts: Timeouts | undefined): number | undefined {
  if (timeouts?.finally !== undefined) return parseGoDuration(timeouts.finally);
  if (timeouts?.pipeline === undefined || timeouts.tasks === undefined) return undefined;
  const pipeline = parseGoDuration(timeouts.pipeline);
  const tasks = parseGoDuration(timeouts.tasks);
  return positive(pipeline) && positive(tasks) ? pipeline - tasks : undefined;
}

function positive(ms: number | undefined): ms is number {
  return ms !== undefined && ms > 0;
}

/**
 * Cleanup did not delete the PipelineRun because its `finally` tasks still run after a graceful
 * cancel: core's `CleanupPendingError`, so a controller looks again after `retryAfterSeconds`
 * (or sooner when the run changes) without counting it a failure.
 */
export class FinallyRunningError extends CleanupPendingError {
  override readonly reason = 'FinallyRunning';

  constructor(
    readonly namespace: string,
    /** The PipelineRun's name. */
    readonly resourceName: string,
    /** Epoch ms past which cleanup deletes the run whatever it is doing. */
    readonly until: number,
    now: number,
  ) {
    super(
      `PipelineRun ${namespace}/${resourceName} is running its finally tasks after a graceful cancel; ` +
        `cleanup deletes it once it ends, or at ${new Date(until).toISOString()} (its timeout)`,
      // At the latest when the wait ends.
      Math.max(1, Math.ceil(Math.min(until - now, recheckMs) / 1000)),
    );
  }
}
