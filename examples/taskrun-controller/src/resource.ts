import type { ResourceType } from '@roundhouse/core';

export const group = 'roundhouse.dev';
export const version = 'v1alpha1';

/** Tasks: reusable lists of steps with declared params. */
export const tasks: ResourceType = Object.freeze({
  group,
  version,
  kind: 'Task',
  plural: 'tasks',
  namespaced: true,
});

/** TaskRuns: one run of a Task in its namespace, as one Pod. */
export const taskRuns: ResourceType = Object.freeze({
  group,
  version,
  kind: 'TaskRun',
  plural: 'taskruns',
  namespaced: true,
});
