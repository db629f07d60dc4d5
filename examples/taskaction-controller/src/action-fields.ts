import { ConfigurationError, ExecutionForbiddenError } from '@roundhouse/core';
import type { TaskActionSpec } from './spec.js';

/**
 * The TaskAction field an engine's path names: an attempt reaches its engine as a
 * WorkflowExecution (`attemptExecution`), whose fields no TaskAction has. The image is the
 * bundle, the template's timeout the execution's, its command and args the engine config, and
 * its variables (the run's `envVars` under the template's `env`) the parameters; the
 * parameters as a whole (a Job too large to store) are the template's command and environment.
 */
function actionField(path: string, spec: Pick<TaskActionSpec, 'taskTemplate' | 'envVars'>) {
  if (path === 'spec.workflowRef.executionBundle') return 'spec.taskTemplate.image';
  if (path === 'spec.executionConfig.timeout') return 'spec.taskTemplate.timeout';
  if (path === 'spec.parameters') return 'spec.taskTemplate';
  const command = /^spec\.workflowRef\.engineConfig\.(command|args)(\..+)?$/.exec(path);
  if (command) return `spec.taskTemplate.${command[1]}${command[2] ?? ''}`;
  const variable = /^spec\.parameters\.(.+)$/.exec(path)?.[1];
  if (variable !== undefined) {
    if (Object.hasOwn(spec.taskTemplate.env ?? {}, variable))
      return `spec.taskTemplate.env.${variable}`;
    if (Object.hasOwn(spec.envVars ?? {}, variable)) return `spec.envVars.${variable}`;
  }
  return path;
}

/**
 * An engine's refusal of an attempt (a Job too large to store, say), naming the TaskAction's
 * fields, which its author can find and change, instead of the attempt's WorkflowExecution the
 * engine read them from. Other errors as they are.
 */
export function inActionTerms(
  error: unknown,
  spec: Pick<TaskActionSpec, 'taskTemplate' | 'envVars'>,
): unknown {
  if (error instanceof ConfigurationError) {
    const issues = error.issues.map((issue) => ({ ...issue, path: actionField(issue.path, spec) }));
    const renamed = issues.some((issue, i) => issue.path !== error.issues[i]?.path);
    return renamed ? new ConfigurationError(issues, { cause: error }) : error;
  }
  if (error instanceof ExecutionForbiddenError) {
    const path = actionField(error.path, spec);
    if (path === error.path) return error;
    return new ExecutionForbiddenError(path, error.message.slice(`${error.path}: `.length));
  }
  return error;
}
