import type { WorkflowExecution } from '@roundhouse/core';
import type { KubeObject, ResourceType } from '@roundhouse/kube';
import { group, kind, plural, version } from './crd.js';

/** WorkflowExecutions as the API serves them. */
export const workflowExecutions: ResourceType = Object.freeze({
  group,
  version,
  kind,
  plural,
  namespaced: true,
});

/** A WorkflowExecution as read from the API server, before its spec is validated. */
export type WorkflowExecutionObject = KubeObject &
  Partial<Pick<WorkflowExecution, 'spec' | 'status'>>;

/** Removes the executor's cleanup from a deleted WorkflowExecution before it goes. */
export const cleanupFinalizer = 'roundhouse.dev/execution-cleanup';
