import {
  type Conventions,
  type ExecutionResult,
  graceRecheckAfterMs,
  type Logger,
  type ResourceType,
  RoundhouseError,
} from '@roundhouse/core';
import { type KubeObject, type Reader, resources, type StatusContext } from '@roundhouse/kube';
import {
  type ChildTaskRuns,
  readChildTaskRuns,
  readOtherChildren,
  readUnrecordedTaskRuns,
} from './child-task-runs.js';
import { withSucceededCustomRuns } from './custom-runs.js';
import {
  awaitsNextRun,
  explainRefusedChildRun,
  otherChildKinds,
  type RunEvent,
  RunEventSchema,
  taskRunsIdle,
} from './refused-child-run.js';
import {
  childTaskRuns,
  isPipelineRunFinished,
  type PipelineRunState,
  PipelineRunStateSchema,
  pipelineRunResult,
  type TaskRunState,
} from './status.js';
import { explainStuckStart, type StartFailure, startFailedResult } from './stuck-start.js';
import { statusNeverWritten, unwrittenStatusFailure } from './unwritten-status.js';

/** What reading a PipelineRun's result needs besides the run and the status context. */
export interface ResultSettings {
  /** The API server itself, asked when the reader may be behind (see `readChildTaskRuns`). */
  readonly live: Reader;
  readonly pipelineRunType: ResourceType;
  readonly taskRunType: ResourceType;
  /** Where the run's custom tasks' runs are read (see `withSucceededCustomRuns`). */
  readonly customRunType: ResourceType;
  readonly conventions: Conventions;
  /**
   * How long after its creation a running PipelineRun whose tasks cannot start (see
   * `explainStuckStart`, `explainRefusedChildRun`) is failed with the cause instead of waiting
   * for its timeout.
   */
  readonly startupGraceMs: number;
  /**
   * How long after its creation a PipelineRun whose status no Tekton controller has written
   * (see `statusNeverWritten`) is failed with the cause instead of waiting for its timeout.
   */
  readonly controllerGraceMs: number;
  readonly logger: Logger;
}

/**
 * A PipelineRun's result, with its child TaskRuns (see `readChildTaskRuns`). TaskRuns that
 * cannot be read only leave their details out: the run's own condition is the verdict, and a
 * status read that failed on them would keep a finished execution from ending. A run still
 * running past the grace it is given fails with the cause when it cannot go on: no controller
 * has written its status, or its tasks cannot start.
 */
export async function readPipelineRunResult(
  run: KubeObject,
  settings: ResultSettings,
  context: StatusContext,
): Promise<ExecutionResult> {
  const state = PipelineRunStateSchema.parse(run);
  const children = await readChildren(run, state, settings, context);
  const result = await withSucceededCustomRuns(
    resultOf(run, state, children, settings, context),
    run,
    state,
    { ...settings, namespace: context.namespace, signal: context.signal },
  );
  if (result.phase !== 'Running') return result;
  const now = Date.now();
  const created = Date.parse(run.metadata?.creationTimestamp ?? '');
  const age = now - created;
  if (statusNeverWritten(state)) {
    // A run no controller takes up never changes: the grace's end is when to look again.
    const recheckAfterMs = graceRecheckAfterMs(created + settings.controllerGraceMs, now);
    if (recheckAfterMs !== undefined) return { ...result, recheckAfterMs };
    return age >= settings.controllerGraceMs && (await neverWrittenLive(run, settings, context))
      ? startFailedResult(
          result,
          unwrittenStatusFailure(settings.controllerGraceMs, context.namespace),
        )
      : result;
  }
  // Nor need a run whose tasks cannot start: a quota refusing its TaskRuns or their pods shows
  // on the TaskRuns and in Events, which wake no execution, while the run reads the same.
  const recheckAfterMs = graceRecheckAfterMs(created + settings.startupGraceMs, now);
  if (recheckAfterMs !== undefined) return { ...result, recheckAfterMs };
  if (!(age >= settings.startupGraceMs)) return result;
  const cached = await cannotGoOn(run, state, children, settings, context);
  if (!cached) return result;
  if (context.reader === settings.live) return startFailedResult(result, cached);
  // A failure is final: a cache's word that the run cannot go on is checked with the API server.
  const name = run.metadata?.name ?? '';
  const liveRun = await settings.live.get<KubeObject>(
    settings.pipelineRunType,
    context.namespace,
    name,
    { signal: context.signal },
  );
  if (!liveRun || liveRun.metadata?.uid !== run.metadata?.uid) return result;
  const liveState = PipelineRunStateSchema.parse(liveRun);
  if (isPipelineRunFinished(liveState)) return result;
  const liveContext = { ...context, reader: settings.live };
  const confirmed = await readChildren(liveRun, liveState, settings, liveContext);
  const stuck = confirmed.unread
    ? undefined
    : await cannotGoOn(liveRun, liveState, confirmed, settings, liveContext);
  return stuck ? startFailedResult(result, stuck) : result;
}

/** The run's child TaskRuns; none to read while it has none. */
function readChildren(
  run: KubeObject,
  state: PipelineRunState,
  settings: ResultSettings,
  context: StatusContext,
): Promise<ChildTaskRuns> | ChildTaskRuns {
  if (childTaskRuns(state).length === 0) return { taskRuns: [] };
  return readChildTaskRuns(run, state, { ...settings, ...context });
}

/**
 * Why the running run cannot go on, if it cannot: its TaskRuns' pods are refused for a quota,
 * or, while none of its children runs, the quota refused the next child run, which only the
 * run's Events say (read only then).
 */
async function cannotGoOn(
  run: KubeObject,
  state: PipelineRunState,
  { taskRuns }: ChildTaskRuns,
  settings: ResultSettings,
  context: StatusContext,
): Promise<StartFailure | undefined> {
  const stuck = explainStuckStart(state, taskRuns);
  if (stuck) return stuck;
  const next = await readNextRunRefusal(run, state, taskRuns, settings, context);
  return next && explainRefusedChildRun(state, next.taskRuns, next.events);
}

/** What `explainRefusedChildRun` decides on besides the run. */
export interface NextRunReads {
  /**
   * The run's children read: its TaskRuns, those Tekton created that its status does not list,
   * and its CustomRuns and child PipelineRuns `otherChildKinds` asked for.
   */
  readonly taskRuns: readonly TaskRunState[];
  readonly events: readonly RunEvent[];
}

/**
 * What says whether a quota refused the run's next child, read only while none of its TaskRuns
 * runs (`taskRunsIdle`, given its `taskRuns` read): the TaskRuns Tekton created that its status
 * does not list yet (the refusal an Event records may have passed since; the Event stays for an
 * hour), its Events, and its CustomRuns and child PipelineRuns of the kinds it lists or an Event
 * says were refused (`otherChildKinds`), read alike. Undefined while a child runs, or when those
 * children cannot be read.
 */
export async function readNextRunRefusal(
  run: KubeObject,
  state: PipelineRunState,
  taskRuns: readonly TaskRunState[],
  settings: Pick<
    ResultSettings,
    'logger' | 'taskRunType' | 'customRunType' | 'pipelineRunType' | 'conventions'
  >,
  context: StatusContext,
): Promise<NextRunReads | undefined> {
  if (!taskRunsIdle(state, taskRuns)) return undefined;
  const unrecorded = await readUnrecordedTaskRuns(run, state, { ...settings, ...context });
  if (unrecorded === undefined) return undefined;
  const events = await readRunEvents(run, settings, context);
  const types = { CustomRun: settings.customRunType, PipelineRun: settings.pipelineRunType };
  const kinds = [...otherChildKinds(state, events)].map((kind) => types[kind]);
  const others = await readOtherChildren(run, kinds, { ...settings, ...context });
  if (others === undefined) return undefined;
  const children = [...taskRuns, ...unrecorded, ...others];
  return awaitsNextRun(state, children) ? { taskRuns: children, events } : undefined;
}

/**
 * The run's own Events (a previous run of the same name had others). Best effort: a status
 * read that failed on them (a role without `list` on events) would fail every read of a run
 * that merely resolves its Pipeline slowly; without them the run waits for its timeout.
 */
export async function readRunEvents(
  run: KubeObject,
  { logger }: Pick<ResultSettings, 'logger'>,
  context: StatusContext,
): Promise<RunEvent[]> {
  try {
    const { items } = await context.reader.list<KubeObject>(resources.events, context.namespace, {
      fieldSelector: `involvedObject.uid=${run.metadata?.uid}`,
      signal: context.signal,
    });
    return items.map((event) => RunEventSchema.parse(event));
  } catch (error) {
    if (context.signal?.aborted) throw error;
    logger.warn(
      {
        namespace: context.namespace,
        pipelineRun: run.metadata?.name,
        reason: error instanceof RoundhouseError ? error.reason : 'unclassified',
        error: error instanceof Error ? error.message : String(error),
      },
      "could not read the PipelineRun's Events; a child run a quota refuses is not seen",
    );
    return [];
  }
}

/** Whether the API server's copy of the run still has no status from a controller. */
async function neverWrittenLive(
  run: KubeObject,
  settings: ResultSettings,
  context: StatusContext,
): Promise<boolean> {
  if (context.reader === settings.live) return true;
  const live = await settings.live.get<KubeObject>(
    settings.pipelineRunType,
    context.namespace,
    run.metadata?.name ?? '',
    { signal: context.signal },
  );
  return (
    live?.metadata?.uid === run.metadata?.uid &&
    statusNeverWritten(PipelineRunStateSchema.parse(live))
  );
}

/**
 * The run's result from the children read. Those that could not be read, and those a finished
 * run names that are gone, are counted as may-have-run (see `pipelineRunResult`), and said to
 * be missing: a class saying no task ran must not rest on TaskRuns nobody can see.
 */
function resultOf(
  run: KubeObject,
  state: PipelineRunState,
  { taskRuns, unread, gone }: ChildTaskRuns,
  { logger, conventions }: ResultSettings,
  context: StatusContext,
): ExecutionResult {
  if (!unread) {
    const deleted = gone ? { count: gone, reason: 'NotFound' } : undefined;
    return pipelineRunResult(state, taskRuns, deleted, conventions);
  }
  const reason = unread.error instanceof RoundhouseError ? unread.error.reason : 'unclassified';
  logger.warn(
    {
      namespace: context.namespace,
      pipelineRun: run.metadata?.name,
      unread: unread.count,
      reason,
      error: unread.error instanceof Error ? unread.error.message : String(unread.error),
    },
    "could not read the PipelineRun's TaskRuns; their details are left out",
  );
  const count = unread.count + (gone ?? 0);
  return pipelineRunResult(state, taskRuns, { count, reason }, conventions);
}
