/**
 * Why AWX's task manager leaves a pending job or sliced workflow job pending
 * (awx/main/scheduler/dependency_graph.py DependencyGraph.job_blocked_by and
 * workflow_job_blocked_by). A pass (TaskManager.process_tasks) first puts into the graph the
 * jobs and workflow jobs that are `waiting` or `running` (process_running_tasks), then takes the
 * pending ones in `created` order (get_tasks orders by it), starting, and so adding to the
 * graph, each that nothing blocks (start_task). The graph keeps the first of each template
 * (mark_if_no_key): jobs under the job template, sliced workflow jobs under their unified job
 * template (mark_workflow_job). A job whose `allow_simultaneous` is false waits for a job of its
 * template; a sliced workflow job whose `allow_simultaneous` is false waits for a workflow job
 * of its template, else for a job of it. A job never waits for a workflow job, only for its
 * slices, which are jobs of the template.
 */
import type { Job } from './jobs.js';
import type { Micros } from './timestamps.js';
import type { WorkflowJob } from './workflow-jobs.js';

/** TaskManager.time_delta_job_explanation: a job blocked this long is told why. */
export const BLOCKED_EXPLANATION_DELAY_MS = 30_000;

/** A unified job in the graph: its model's name (Django's `_meta.model_name`) and id. */
export interface Blocker {
  readonly model: 'job' | 'workflowjob';
  readonly id: number;
}

interface Task {
  readonly blocker: Blocker;
  readonly jobTemplate: number;
  readonly status: string;
  readonly allowSimultaneous: boolean;
}

const ACTIVE = new Set(['waiting', 'running']);

/**
 * The unified job that holds the pending `target` (a job or workflow job id) in a pass of the
 * task manager over the given jobs and workflow jobs, or `undefined` if the pass starts it.
 */
export function blockedBy(
  target: Blocker,
  jobs: Iterable<Job>,
  workflowJobs: Iterable<WorkflowJob>,
): Blocker | undefined {
  const tasks: Task[] = [
    ...[...jobs].map((job) => ({ ...job, blocker: { model: 'job' as const, id: job.id } })),
    ...[...workflowJobs].map((wj) => ({
      ...wj,
      blocker: { model: 'workflowjob' as const, id: wj.id },
    })),
  ].sort((a, b) => a.blocker.id - b.blocker.id);
  const self = tasks.find((t) => t.blocker.model === target.model && t.blocker.id === target.id);
  if (self === undefined) return undefined;
  const ofTemplate = tasks.filter((t) => t.jobTemplate === self.jobTemplate);
  const graph = new Map<Blocker['model'], Blocker>();
  const mark = (task: Task) => {
    if (!graph.has(task.blocker.model)) graph.set(task.blocker.model, task.blocker);
  };
  for (const task of ofTemplate) if (ACTIVE.has(task.status)) mark(task);
  for (const task of ofTemplate) {
    if (task.status !== 'pending') continue;
    const blocker = graphBlocker(task, graph);
    if (task === self) return blocker;
    if (blocker === undefined) mark(task);
  }
  return undefined;
}

/** DependencyGraph.job_blocked_by or workflow_job_blocked_by, for one template's graph. */
function graphBlocker(task: Task, graph: Map<Blocker['model'], Blocker>): Blocker | undefined {
  if (task.allowSimultaneous) return undefined;
  if (task.blocker.model === 'job') return graph.get('job');
  return graph.get('workflowjob') ?? graph.get('job');
}

interface Held {
  readonly created: Micros;
  readonly jobExplanation: string;
}

/**
 * The blocked job or workflow job after a pass of the task manager (process_pending_tasks):
 * still pending, and once it was created more than 30 seconds ago, explained by what blocks it
 * (the text is stored untranslated, gettext_noop). It is a bulk_update of that field alone, so
 * `modified` stays.
 */
export function holdPending<T extends Held>(held: T, blocker: Blocker, now: Micros): T {
  if (held.created >= now - BLOCKED_EXPLANATION_DELAY_MS * 1000) return held;
  return { ...held, jobExplanation: `waiting for ${blocker.model}-${blocker.id} to finish` };
}

/** Milliseconds until a blocked job is old enough to be told why, or `undefined` once told. */
export function explanationDelay(held: Held, now: Micros): number | undefined {
  const due = held.created + BLOCKED_EXPLANATION_DELAY_MS * 1000;
  return now > due ? undefined : Math.ceil((due - now) / 1000) + 1;
}
