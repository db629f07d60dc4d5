import type { StepState, StepStatus, TaskRunPhase, TaskRunStatus } from '@roundhouse/pod';
import { storedList, storedText } from '../stored-text.js';
import type { TaskRunObject } from './views.js';

/** A stored value as text; absent stays absent, so a view still leaves out what is unset. */
const textOf = (value: unknown): string | undefined =>
  value === undefined || value === null ? undefined : storedText(value);

const isFields = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

const fieldsOf = (value: unknown): Record<string, unknown> => (isFields(value) ? value : {});

/** A stored list's entries that are objects: a step or a param that is none has nothing to show. */
export const storedEntries = (value: unknown): Record<string, unknown>[] =>
  storedList(value as unknown[] | undefined).filter(isFields);

/**
 * A TaskRun as the views and the follow read it. The CLI's types follow the CRD it ships, but a
 * cluster stores what the CRD installed there lets through (see stored-text.ts): a phase that
 * is an object, steps that are no list. Each text field becomes text and each list a list, so
 * no view throws on the run: a throw in an informer's handler is swallowed, and a follow that
 * never got to read the run's end would wait for ever.
 */
export function storedRun(run: TaskRunObject): TaskRunObject {
  const spec = fieldsOf(run.spec);
  const taskRef = fieldsOf(spec.taskRef);
  const status = run.status === undefined || run.status === null ? undefined : fieldsOf(run.status);
  return {
    ...run,
    spec: {
      ...spec,
      taskRef: { ...taskRef, name: textOf(taskRef.name) ?? '' },
      params: storedEntries(spec.params).map((p) => ({
        name: textOf(p.name) ?? '',
        value: textOf(p.value) ?? '',
      })),
      timeout: textOf(spec.timeout),
    },
    status: status && storedStatus(status),
  };
}

function storedStatus(status: Record<string, unknown>): TaskRunStatus {
  return {
    ...status,
    phase: textOf(status.phase) as TaskRunPhase | undefined,
    reason: textOf(status.reason),
    message: textOf(status.message),
    podName: textOf(status.podName),
    startTime: textOf(status.startTime),
    completionTime: textOf(status.completionTime),
    failureReason: textOf(status.failureReason) as TaskRunStatus['failureReason'],
    stepStatuses: storedEntries(status.stepStatuses).map(storedStep),
  };
}

function storedStep(step: Record<string, unknown>): StepStatus {
  return {
    ...step,
    name: textOf(step.name) ?? '',
    state: (textOf(step.state) ?? '') as StepState,
    exitCode: step.exitCode as number | undefined,
    reason: textOf(step.reason),
    message: textOf(step.message),
    startedAt: textOf(step.startedAt),
    finishedAt: textOf(step.finishedAt),
  };
}
