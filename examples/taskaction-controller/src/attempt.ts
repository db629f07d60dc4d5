import { attemptsOf } from '@roundhouse/controller';
import type { WorkflowExecution } from '@roundhouse/core';
import { type TaskAction, type TaskActionSpec, uriMaxLength } from './spec.js';

/**
 * One attempt of a TaskAction (counted from 1, as `status.attempts`), as the executors see it:
 * a WorkflowExecution named `<action>-<attempt - 1>` (Flyte's retry index), carrying the action's uid so a TaskAction deleted and created again
 * never adopts its predecessor's Job. Its target is the attempt itself, so the lock (and so
 * the execution resource's name) is different for every attempt and a new attempt never waits
 * for the previous one's resource to be gone.
 */
export function attemptExecution(
  action: TaskAction,
  attempt: number,
  engine: string,
): WorkflowExecution {
  const { spec, metadata } = action;
  const name = attemptName(metadata.name, attempt);
  const template = spec.taskTemplate;
  const engineConfig = {
    ...(template.command ? { command: template.command } : {}),
    ...(template.args ? { args: template.args } : {}),
  };
  return {
    metadata: {
      name,
      namespace: metadata.namespace,
      ...(metadata.uid ? { uid: metadata.uid } : {}),
    },
    spec: {
      workflowRef: {
        workflowId: `${spec.project}.${spec.domain}.${spec.runName}.${spec.actionName}`,
        version: String(metadata.generation ?? 1),
        executionBundle: template.image,
        ...(Object.keys(engineConfig).length ? { engineConfig } : {}),
      },
      targetResource: attemptTarget(metadata.namespace, name),
      executionEngine: engine,
      parameters: attemptEnv(spec, attempt),
      ...(template.timeout ? { executionConfig: { timeout: template.timeout } } : {}),
    },
  };
}

/**
 * The most attempts an action has: `retries + 1`. The spec is immutable, so no action of it
 * ever had an attempt past this, and every execution resource it may have is one of these.
 */
export function maxAttemptsOf(spec: Pick<TaskActionSpec, 'taskTemplate'>): number {
  return (spec.taskTemplate.retries ?? 0) + 1;
}

/**
 * Why `attempt` (by default the one `status.attempts` names) may not be launched: one past
 * `maxAttemptsOf`, which only a status written by someone else (a signaller may write any status
 * field) can lead to.
 */
export function refuseAttemptNumber(
  action: Pick<TaskAction, 'spec' | 'status'>,
  attempt: number = attemptsOf(action.status),
): string | undefined {
  const most = maxAttemptsOf(action.spec);
  if (attempt <= most) return undefined;
  return `status.attempts: attempt ${attempt} is past the ${most} this action has (spec.taskTemplate.retries + 1); the status is the controller's to write`;
}

/**
 * The target of an attempt named `attemptName` of an action in `namespace`: the attempt itself,
 * never a cluster object, so its lock is the attempt's alone.
 */
export function attemptTarget(namespace: string, attemptName: string): string {
  return `${namespace}/taskaction/${attemptName}`;
}

/** Flyte names an attempt's resource by its retry index: `<action>-0` for attempt 1. */
export function attemptName(actionName: string, attempt: number): string {
  return `${actionName}-${attempt - 1}`;
}

/**
 * Where attempt n writes its outputs (`<runOutputBase>/<action>/<n>`, as Flyte's): each attempt
 * its own prefix, so a retry never reads a half-written one.
 */
export function outputPrefix(
  spec: Pick<TaskActionSpec, 'runOutputBase' | 'actionName'>,
  attempt: number,
): string {
  return `${withoutTrailingSlashes(spec.runOutputBase)}/${spec.actionName}/${attempt}`;
}

/** Where attempt n leaves its outputs, as Flyte's `outputs.output_uri`. */
export function outputUriOf(
  spec: Pick<TaskActionSpec, 'runOutputBase' | 'actionName'>,
  attempt: number,
): string {
  return `${outputPrefix(spec, attempt)}/outputs.pb`;
}

/**
 * The longest URI `outputUriOf` gives for a valid spec: what it adds to `runOutputBase` ('/', an action name
 * of at most 30 characters, '/', the attempt, '/outputs.pb') is under 64 characters.
 */
export const outputUriMaxLength = uriMaxLength + 64;

/**
 * `text` without its trailing '/'s, in one pass: the regex `/\/+$/` retries its match from every
 * '/' of a run, quadratic in the author's string, and runs on every event of the action.
 */
function withoutTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === '/') end--;
  return text.slice(0, end);
}

/**
 * The attempt's environment: the run's variables, the template's over them, then what the
 * controller tells every attempt (which attempt, where its input is, where to write, and from
 * the second attempt on, where the previous attempt left its checkpoint).
 */
export function attemptEnv(spec: TaskActionSpec, attempt: number): Record<string, string> {
  return {
    ...spec.envVars,
    ...spec.taskTemplate.env,
    TASK_ATTEMPT: String(attempt),
    TASK_INPUT_URI: spec.inputUri,
    TASK_OUTPUT_PREFIX: outputPrefix(spec, attempt),
    ...(attempt > 1
      ? { TASK_PREVIOUS_CHECKPOINT: `${outputPrefix(spec, attempt - 1)}/checkpoint` }
      : {}),
  };
}

/**
 * The TaskAction key for an execution resource's owner key (`namespace/<action>-<index>`,
 * see core's `executionOwnerKey`); undefined for an owner that is no attempt.
 */
export function actionKeyOf(ownerKey: string): string | undefined {
  const match = /^(.+)-\d+$/.exec(ownerKey);
  return match?.[1];
}
