import {
  ConfigurationError,
  isDns1123Subdomain,
  ObjectMetaSchema,
  type ResourceType,
  type WorkflowExecution,
  WorkflowExecutionStatusSchema,
} from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { z } from 'zod';

/** The default group; kubernaut serves the same kind under `kubernaut.ai`. */
export const group = 'roundhouse.dev';
export const version = 'v1alpha1';
export const kind = 'WorkflowExecution';
export const plural = 'workflowexecutions';

/**
 * Where WorkflowExecutions are served, and the finalizer the controller puts on them: the CRD,
 * the admission policy, the controller's watch and every write it makes follow one group.
 */
export interface WorkflowExecutionApi {
  readonly resource: ResourceType;
  /** Removes the executor's cleanup from a deleted WorkflowExecution before it goes. */
  readonly finalizer: string;
}

/**
 * kubernaut's controller puts this finalizer on its WorkflowExecutions
 * (internal/controller/workflowexecution: FinalizerName). Serving kubernaut's group, this
 * controller uses the same one: what a kubernaut controller left behind is cleaned up and goes
 * on delete, and what this one leaves is finalized by kubernaut's after a rollback.
 */
const finalizerOfGroup: Readonly<Record<string, string>> = {
  'kubernaut.ai': 'workflowexecution.kubernaut.ai/workflowexecution-cleanup',
};

/**
 * The API of WorkflowExecutions served under `apiGroup` (default `roundhouse.dev`; `kubernaut.ai`
 * replaces kubernaut's controller on its own CRD). The group goes into the CRD's name and into
 * the admission policy's CEL literals, so it must be a DNS subdomain with a dot, as the API
 * server requires of a CRD's group.
 */
export function workflowExecutionApi(apiGroup: string = group): WorkflowExecutionApi {
  // The same object for a group asked twice: callers (and clients wrapping the controller's)
  // may compare resource types by identity, as they could when there was one.
  const known = apis.get(apiGroup);
  if (known) return known;
  if (!apiGroup.includes('.') || !isDns1123Subdomain(apiGroup)) {
    throw new ConfigurationError([
      { path: 'apiGroup', message: 'must be a DNS-1123 subdomain with a dot, e.g. roundhouse.dev' },
    ]);
  }
  const api: WorkflowExecutionApi = Object.freeze({
    resource: Object.freeze({ group: apiGroup, version, kind, plural, namespaced: true }),
    finalizer: finalizerOfGroup[apiGroup] ?? `${apiGroup}/execution-cleanup`,
  });
  apis.set(apiGroup, api);
  return api;
}

const apis = new Map<string, WorkflowExecutionApi>();

const defaultApi = workflowExecutionApi();

/** WorkflowExecutions as the API serves them under the default group. */
export const workflowExecutions: ResourceType = defaultApi.resource;

/** The finalizer of WorkflowExecutions under the default group. */
export const cleanupFinalizer = defaultApi.finalizer;

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
