import { ConfigurationError, ExecutionForbiddenError } from '@roundhouse/core';

/**
 * Where the pod engine reads a run's steps in the WorkflowExecution-shaped value the run becomes
 * (`taskRunExecution`): what the Task's `spec` holds, once its params are substituted.
 */
const engineConfigPath = 'spec.workflowRef.engineConfig';

/**
 * The Task's field (`task.spec.parallel`, `task.spec.steps.0.image`) for a path the pod engine
 * names under the execution's `engineConfig`, which no TaskRun or Task has; others as they are.
 */
function taskFieldPath(path: string): string {
  if (path === engineConfigPath) return 'task.spec';
  const field = path.startsWith(`${engineConfigPath}.`)
    ? path.slice(engineConfigPath.length + 1)
    : undefined;
  return field === undefined ? path : `task.spec.${field}`;
}

/**
 * The pod engine's refusal of a run's Pod (a share of the operator's limits too small for the
 * Task's parallel steps, a step image the policy refuses), naming the Task's fields, which the
 * run's author can find and change, rather than the execution's the engine read them from.
 * Other errors as they are.
 */
export function inTaskTerms(error: unknown): unknown {
  if (error instanceof ConfigurationError) {
    const issues = error.issues.map((issue) => ({ ...issue, path: taskFieldPath(issue.path) }));
    const renamed = issues.some((issue, i) => issue.path !== error.issues[i]?.path);
    return renamed ? new ConfigurationError(issues, { cause: error }) : error;
  }
  if (error instanceof ExecutionForbiddenError && taskFieldPath(error.path) !== error.path) {
    const detail = error.message.slice(`${error.path}: `.length);
    return new ExecutionForbiddenError(taskFieldPath(error.path), detail);
  }
  return error;
}
