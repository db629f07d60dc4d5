import { withoutQuotaUsage } from '@roundhouse/kube';
import { z } from 'zod';
import { classAfterTasksRan } from './failure-classification.js';
import {
  isTaskRunFinished,
  type PipelineRunState,
  type TaskRunState,
  tasksThatMayHaveRun,
} from './status.js';
import type { StartFailure } from './stuck-start.js';

/** The parts of a core/v1 Event on a PipelineRun the explanation reads. */
export const RunEventSchema = z.looseObject({
  reason: z.string().optional(),
  message: z.string().optional(),
  type: z.string().optional(),
});

export type RunEvent = z.infer<typeof RunEventSchema>;

/** The kinds of run a PipelineRun's `childReferences` list (`pipelinerunstate.go`, v1.15). */
export type ChildKind = 'TaskRun' | 'CustomRun' | 'PipelineRun';

/**
 * The Warning events Tekton's PipelineRun reconciler records on the PipelineRun (its
 * involvedObject) when the API server refuses a child run it creates (pipelinerun.go
 * `runNextSchedulableTask`, v1.15), by the kind of child refused: TaskRuns, CustomRuns, child
 * PipelineRuns. A refusal no retry gets past (Invalid, BadRequest) fails the run
 * `CreateRunFailed`; any other, a quota's 403 among them, is only returned to the work queue,
 * so the run keeps the condition it had (`ResolvingTaskRef`, `Running`) and Tekton creates the
 * child again with backoff until the run times out: the event is the only record of why.
 */
const refusedCreateReasons: ReadonlyMap<string, ChildKind> = new Map([
  ['TaskRunsCreationFailed', 'TaskRun'],
  ['RunsCreationFailed', 'CustomRun'],
  ['ChildPipelineRunsCreationFailed', 'PipelineRun'],
]);

/**
 * Tekton's message for those events, `Failed to create <kind> %q: <the API server's error>`,
 * naming the runs (Go's `%q` of a list: `["a" "b"]`), when the error is the ResourceQuota
 * admission plugin's refusal past a quota's hard limit (`taskruns.tekton.dev "<name>" is
 * forbidden: exceeded quota: <quota>, requested: …`). A quota the quota controller has not
 * counted yet (`status unknown for quota: …`) passes seconds later, and is no such refusal.
 */
const exceededQuota =
  /^Failed to create [^[]*\[([^\]]*)\]: \S+ "[^"]*" is forbidden: exceeded quota: /;

/**
 * Whether none of the run's TaskRuns runs: each TaskRun child is among `taskRuns` read, and every
 * TaskRun read has finished. Only then may the run await its next child (see `awaitsNextRun`),
 * and is what else says so worth reading.
 */
export function taskRunsIdle(
  pipelineRun: PipelineRunState,
  taskRuns: readonly TaskRunState[],
): boolean {
  const read = new Set(taskRuns.map((t) => t.metadata.name));
  return (
    taskRuns.every(isTaskRunFinished) &&
    (pipelineRun.status?.childReferences ?? []).every(
      (ref) => ref.kind !== 'TaskRun' || (!!ref.name && read.has(ref.name)),
    )
  );
}

/**
 * The kinds of child besides TaskRuns to read before a refusal can count: those the run lists,
 * whose state says whether one runs, and those its `events` say Tekton was refused, which may
 * exist by now without the run listing them yet. A pipeline of Tasks alone reads none.
 */
export function otherChildKinds(
  pipelineRun: PipelineRunState,
  events: readonly RunEvent[],
): ReadonlySet<Exclude<ChildKind, 'TaskRun'>> {
  const kinds = [
    ...(pipelineRun.status?.childReferences ?? []).map((ref) => ref.kind),
    ...events.map((event) => refusedCreateReasons.get(event.reason ?? '')),
  ];
  return new Set(kinds.filter((kind) => kind === 'CustomRun' || kind === 'PipelineRun'));
}

/**
 * Whether none of the run's children runs: each child it lists, of any kind, is among
 * `children` read, and every one read has finished (a CustomRun's and a PipelineRun's Succeeded
 * condition read as a TaskRun's). `children` are the run's children read, and any Tekton has
 * created that the run's status does not list yet (see `readUnrecordedTaskRuns`,
 * `readOtherChildren`). A running run then waits for Tekton to create its next child.
 */
export function awaitsNextRun(
  pipelineRun: PipelineRunState,
  children: readonly TaskRunState[],
): boolean {
  const read = new Set(children.map((t) => t.metadata.name));
  return (
    children.every(isTaskRunFinished) &&
    (pipelineRun.status?.childReferences ?? []).every((ref) => !!ref.name && read.has(ref.name))
  );
}

/**
 * Why a running PipelineRun cannot go on, if a ResourceQuota refused a child run Tekton must
 * create next (`events` are the run's own): none of its children runs (see `awaitsNextRun`,
 * which reads `children` alike), and an event says the quota refused a run that is neither
 * listed nor among the `children` read. Nothing of the run's can free the quota then, and it
 * would wait for its timeout. `children` hold, besides its TaskRuns, its runs of the kinds
 * `otherChildKinds` names: a refused CustomRun or child PipelineRun Tekton has created since
 * counts only as one that exists.
 * `ResourceExhausted` with `started: false` when no task ran; once one did (or may have), the
 * class says the workflow ran (see `classAfterTasksRan`). Undefined otherwise.
 */
export function explainRefusedChildRun(
  pipelineRun: PipelineRunState,
  children: readonly TaskRunState[],
  events: readonly RunEvent[],
): StartFailure | undefined {
  if (!awaitsNextRun(pipelineRun, children)) return undefined;
  // Tekton lists a run it created among the children only once its status write lands (in the
  // next reconcile, if that one failed), so one that exists counts as well.
  const existing = new Set([
    ...(pipelineRun.status?.childReferences ?? []).map((ref) => ref.name),
    ...children.map((child) => child.metadata.name),
  ]);
  for (const event of events) {
    if (event.type !== 'Warning' || !refusedCreateReasons.has(event.reason ?? '')) continue;
    const message = event.message ?? '';
    const names = exceededQuota.exec(message)?.[1]?.match(/"[^"]*"/g) ?? [];
    // An event naming only runs that exist now is from a refusal the quota later let pass.
    const refused = names.map((quoted) => quoted.slice(1, -1)).find((n) => !existing.has(n));
    if (refused === undefined) continue;
    const tasksRan = tasksThatMayHaveRun(pipelineRun, children);
    return {
      reason: classAfterTasksRan('ResourceExhausted', tasksRan),
      taskRunName: refused,
      // The quota's usage is the whole namespace's, other executions' runs too.
      description: `the PipelineRun cannot create its next run: ${withoutQuotaUsage(message)}`,
      started: tasksRan > 0,
    };
  }
  return undefined;
}
