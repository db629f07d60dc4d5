import type { TtlLabelKeys } from '@roundhouse/controller';
import type { ResourceType } from '@roundhouse/core';

export const group = 'roundhouse.dev';
export const version = 'v1alpha1';
export const kind = 'TaskAction';
export const plural = 'taskactions';

/** TaskActions as the API serves them. */
export const taskActions: ResourceType = Object.freeze({
  group,
  version,
  kind,
  plural,
  namespaced: true,
});

/** Held while an action may have a running execution: deletion aborts it first. */
export const abortFinalizer = 'roundhouse.dev/taskaction-abort';

/** The labels a finished TaskAction carries, for the TTL garbage collector to find it. */
export const gcLabels: TtlLabelKeys = Object.freeze({
  terminated: 'roundhouse.dev/termination-status',
  completedTime: 'roundhouse.dev/completed-time',
});
