/**
 * Why AWX's task manager leaves a job pending, as it writes it into `job_explanation` once the
 * job has waited 30 seconds (TaskManager.process_pending_tasks and task_needs_capacity,
 * awx/main/scheduler/task_manager.py:558 and :644). Both texts are AWX's own, stored
 * untranslated (gettext_noop), so they are constants to compare with; no other explanation of
 * a pending job is shown, as nothing says AWX wrote it.
 */

/** `waiting for <model name>-<id> to finish`: the job AWX runs first. */
const blocked = /^waiting for ([a-z]+)-(\d{1,20}) to finish$/;

const noCapacity = 'This job is not ready to start because there is not enough available capacity.';

/** What a pending job's explanation tells a user, or `undefined` when it is not one of AWX's. */
export function queueExplanation(jobExplanation: string): string | undefined {
  if (jobExplanation === noCapacity) return 'AWX has not enough capacity to start it yet';
  const found = blocked.exec(jobExplanation);
  if (!found) return undefined;
  const [, model, id] = found;
  // Only another job of the same template blocks a job as a `job` (DependencyGraph.job_blocked_by).
  return model === 'job'
    ? `AWX starts it once job ${id} of the same job template ends (the template does not allow simultaneous jobs: allow_simultaneous is false)`
    : `AWX starts it once its ${model} ${id} ends`;
}
