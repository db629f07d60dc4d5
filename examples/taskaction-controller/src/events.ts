import {
  ActionPhaseSchema,
  attemptsOf,
  type CachedActionStatus,
  CatalogCacheStatusSchema,
  ErrorStateSchema,
  phaseOf,
} from '@roundhouse/controller';
import { formatKubeMicroTime } from '@roundhouse/core';
import { z } from 'zod';
import { outputUriOf } from './attempt.js';
import type { TaskActionView } from './spec.js';

/**
 * What the controller reports for every status change of a TaskAction (Flyte's ActionEvent),
 * durably, before the change is written. `id` names the transition: computing the same
 * transition again (a retry after a failed sink or a conflict) gives the same id, so a sink
 * or the service behind it keeps one record per transition.
 */
export const ActionEventSchema = z.object({
  id: z.string().min(1),
  namespace: z.string(),
  name: z.string(),
  uid: z.string().optional(),
  project: z.string().optional(),
  domain: z.string().optional(),
  runName: z.string().optional(),
  actionName: z.string().optional(),
  parentActionName: z.string().optional(),
  /** The attempt the event is about, counted from 1 (Flyte's ActionEvent refuses 0). */
  attempt: z.number().int().positive(),
  phase: ActionPhaseSchema,
  message: z.string(),
  /** RFC 3339 with microseconds, UTC. */
  occurredAt: z.string(),
  systemFailures: z.number().int().nonnegative(),
  errorState: ErrorStateSchema.optional(),
  /**
   * Where the attempt writes its outputs (Flyte's `outputs.output_uri`, in proto JSON), on every
   * event of an action with `runOutputBase`, as Flyte's; a cache hit's are the cached ones.
   */
  outputs: z.object({ outputUri: z.string() }).optional(),
  /** What the cache did (Flyte's `cache_status`); absent for an action without `cacheKey`. */
  cacheStatus: CatalogCacheStatusSchema.optional(),
});

export type ActionEvent = z.infer<typeof ActionEventSchema>;

function identity(view: TaskActionView) {
  const { metadata, spec } = view;
  return {
    namespace: metadata.namespace,
    name: metadata.name,
    ...(metadata.uid ? { uid: metadata.uid } : {}),
    ...Object.fromEntries(
      Object.entries({
        project: spec.project,
        domain: spec.domain,
        runName: spec.runName,
        actionName: spec.actionName,
        parentActionName: spec.parentActionName,
      }).filter(([, value]) => value !== undefined),
    ),
  };
}

/** Where `attempt` of the action writes its outputs; none without `runOutputBase` (a condition). */
function attemptOutputs(view: TaskActionView, attempt: number, outputUri?: string) {
  const { runOutputBase, actionName } = view.spec;
  if (outputUri !== undefined) return { outputs: { outputUri } };
  if (!runOutputBase || !actionName) return {};
  return {
    outputs: { outputUri: outputUriOf({ runOutputBase, actionName }, attempt) },
  };
}

const objectId = (view: TaskActionView) =>
  view.metadata.uid ?? `${view.metadata.namespace}/${view.metadata.name}`;

/** A status with its count of status changes (`TaskActionStatus.transitions`). */
export type NumberedStatus = CachedActionStatus & { readonly transitions?: number | undefined };

/**
 * `next` as the status change after `previous`: its count one more. A retry of the same change
 * (after a failed sink or a conflict) starts from the same status, so it gets the same number.
 */
export function numberTransition(
  previous: NumberedStatus,
  next: CachedActionStatus,
): NumberedStatus {
  return { ...next, transitions: (previous.transitions ?? 0) + 1 };
}

/** The event for the status `next` that `view` is about to get. */
export function transitionEvent(
  view: TaskActionView,
  next: NumberedStatus,
  now: Date,
  extra: { readonly outputUri?: string | undefined } = {},
): ActionEvent {
  const phase = phaseOf(next);
  if (phase === undefined) throw new TypeError('a transition event needs a status with a phase');
  const attempt = attemptsOf(next);
  const systemFailures = next.systemFailures ?? 0;
  const message = next.conditions?.find((c) => c.reason === phase)?.message ?? '';
  return {
    // The transition count tells apart every status change (`numberTransition`); the rest says
    // which one it is to whoever reads the id.
    id: `${objectId(view)}/${attempt}/${next.transitions ?? 0}/${phase}/${systemFailures}${next.cacheStatus ? `/${next.cacheStatus}` : ''}`,
    ...identity(view),
    attempt,
    phase,
    message,
    occurredAt: formatKubeMicroTime(now),
    systemFailures,
    ...(next.errorState ? { errorState: next.errorState } : {}),
    ...attemptOutputs(view, attempt, extra.outputUri),
    ...(next.cacheStatus ? { cacheStatus: next.cacheStatus } : {}),
  };
}

/**
 * The event for an action deleted before it finished. It is the last word on the action, which
 * is then gone, so it has no status to go with; deletion happens once, so its id is fixed.
 */
export function abortedEvent(view: TaskActionView, now: Date): ActionEvent {
  const attempt = attemptsOf(view.status);
  return {
    id: `${objectId(view)}/aborted`,
    ...identity(view),
    attempt,
    phase: 'Aborted',
    message: `deleted while ${phaseOf(view.status) ?? 'not yet queued'}; attempt ${attempt} aborted`,
    occurredAt: formatKubeMicroTime(now),
    systemFailures: view.status.systemFailures ?? 0,
    ...(view.status.errorState ? { errorState: view.status.errorState } : {}),
    ...attemptOutputs(view, attempt),
  };
}
