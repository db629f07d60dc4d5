import {
  ObjectMetaSchema,
  type ResourceType,
  type WorkflowExecution,
  WorkflowExecutionStatusSchema,
} from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { z } from 'zod';
import { group, kind, plural, version } from './crd.js';

/** WorkflowExecutions as the API serves them. */
export const workflowExecutions: ResourceType = Object.freeze({
  group,
  version,
  kind,
  plural,
  namespaced: true,
});

/** Removes the executor's cleanup from a deleted WorkflowExecution before it goes. */
export const cleanupFinalizer = 'roundhouse.dev/execution-cleanup';

/** What the status transitions read: valid even when the object's spec is not. */
export type StatusView = Pick<WorkflowExecution, 'apiVersion' | 'kind' | 'metadata' | 'status'>;

const StatusViewSchema = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema,
  // The controller is the only writer of status; anything else there is dropped, not trusted.
  status: WorkflowExecutionStatusSchema.optional().catch(undefined),
});

/**
 * The metadata and status of a WorkflowExecution as read from the API server, without its
 * spec: how an execution whose spec failed validation still gets a Failed status written.
 */
export function statusView(object: KubeObject): StatusView {
  return StatusViewSchema.parse(object);
}

const TargetSchema = z.looseObject({ spec: z.looseObject({ targetResource: z.string() }) });

/** The target of a cached WorkflowExecution, if its spec names one. */
export function targetOf(object: KubeObject): string | undefined {
  const parsed = TargetSchema.safeParse(object);
  return parsed.success ? parsed.data.spec.targetResource : undefined;
}
