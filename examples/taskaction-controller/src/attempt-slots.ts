import {
  type ActionPhase,
  type ActionStatus,
  actionPhaseOf,
  objectKey,
  phaseOf,
  setActionPhase,
  type TransitionAt,
  waitingForCacheMessage,
} from '@roundhouse/controller';
import { ConditionSchema } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { z } from 'zod';

/**
 * The per-namespace cap on attempts in flight. Every author's attempts run as Jobs in the one
 * execution namespace, under its one quota: without a cap, one namespace's thousands of actions
 * take all of it and no one else's attempt starts. The count is read from the TaskActions'
 * statuses in the controller's cache, never kept in memory alone, so a restarted controller
 * counts what exists (see SlotLines).
 */

/** `--max-attempts-per-namespace` unless set: on by default, since the harm needs no setting. */
export const defaultMaxAttemptsPerNamespace = 20;

/**
 * Phases whose attempt holds a slot: its Job is created or about to be, or it failed and its
 * next attempt follows (a retry keeps its slot rather than queueing behind younger actions).
 */
const inFlightPhases: ReadonlySet<ActionPhase> = new Set([
  'Initializing',
  'Executing',
  'RetryableFailure',
]);

const SlotViewSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string(),
    creationTimestamp: z.string().optional(),
    deletionTimestamp: z.string().optional(),
  }),
  spec: z.looseObject({ actionType: z.string().optional() }).optional(),
  status: z.looseObject({ conditions: z.array(ConditionSchema).optional() }).optional(),
});

type SlotView = z.infer<typeof SlotViewSchema>;

/** What an action is to the cap: it holds a slot, waits in line for one, or neither. */
export type Place = 'inFlight' | 'waiting' | 'none';

/** How the message of an action waiting for the cache begins, whoever holds the key. */
const waitingForCache = waitingForCacheMessage('');

function placeOf(view: SlotView): Place {
  if (view.spec?.actionType === 'condition') return 'none';
  const conditions = view.status?.conditions;
  const phase = actionPhaseOf(conditions);
  if (phase !== undefined && inFlightPhases.has(phase)) return 'inFlight';
  if (phase !== 'Queued' || view.metadata.deletionTimestamp) return 'none';
  // One waiting for another action to populate the cache holds no Job and waits on that action,
  // not on a slot: it does not stand in line ahead of the others.
  const message = conditions?.find((c) => c.reason === 'Queued')?.message ?? '';
  return message.startsWith(waitingForCache) ? 'none' : 'waiting';
}

/** What the cap reads of an action: its key, its place and its place in line. */
export interface SlotEntry {
  readonly key: string;
  readonly namespace: string;
  readonly place: Place;
  /** `creationTimestamp`, a NUL, the name: first created first, as code units compare. */
  readonly order: string;
}

/** The action as the cap sees it; undefined for an object that is no TaskAction it can read. */
export function slotEntryOf(object: KubeObject): SlotEntry | undefined {
  const parsed = SlotViewSchema.safeParse(object);
  if (!parsed.success) return undefined;
  const view = parsed.data;
  const { name, namespace, creationTimestamp } = view.metadata;
  return {
    key: objectKey({ metadata: { name, namespace } }),
    namespace,
    place: placeOf(view),
    order: `${creationTimestamp ?? ''}\u0000${name}`,
  };
}

export type SlotVerdict =
  | { readonly verdict: 'launch' }
  /** `inFlight` attempts hold slots and `ahead` actions wait before this one. */
  | { readonly verdict: 'wait'; readonly inFlight: number; readonly ahead: number };

/**
 * Whether a change to `object` may free a slot or move the line: an action in flight, one that
 * ended, or one being deleted. A waiting action's own changes (most of a large namespace's) do
 * not, and cost no look at the line.
 */
export function mayFreeSlot(object: KubeObject): boolean {
  const parsed = SlotViewSchema.safeParse(object);
  const view = parsed.success ? parsed.data : undefined;
  if (!view || view.spec?.actionType === 'condition') return false;
  if (view.metadata.deletionTimestamp) return true;
  const phase = actionPhaseOf(view.status?.conditions);
  return phase !== undefined && phase !== 'Queued';
}

/**
 * How long a waiting action waits for its wake before it looks at the line again. Not how it
 * normally starts: a slot that frees wakes the next in line at once. It bounds a wake that never
 * came (a CI run once kept an action waiting past 90 s behind a freed slot, cause not found), which
 * would otherwise keep the action, and everyone behind it, waiting for ever; the look costs a
 * reconcile from the cache that writes nothing. Spread over half as long again, so a burst of
 * waiting actions does not come back in step.
 */
export function slotRecheckMs(resyncMs: number, random: () => number = Math.random): number {
  return Math.round(resyncMs * 6 * (1 + random() / 2));
}

/** The message of an action waiting for a slot: the same while it waits, so one event says it. */
export function waitingForSlotMessage(namespace: string, max: number): string {
  return `WaitingForAttemptSlot: namespace ${namespace} has ${max} attempts in flight, the most --max-attempts-per-namespace allows; this action starts by itself when one of them ends, first created first (ending or deleting one of them frees a slot sooner)`;
}

/**
 * Queued stays Queued, saying it waits for a slot; undefined when it says so already, so waiting
 * writes (and records) nothing more.
 */
export function markWaitingForSlot(
  status: ActionStatus,
  message: string,
  at: TransitionAt,
): ActionStatus | undefined {
  if (phaseOf(status) !== 'Queued') return undefined;
  const current = status.conditions?.find((c) => c.reason === 'Queued')?.message;
  if (current === message) return undefined;
  return {
    ...status,
    ...(at.generation !== undefined ? { observedGeneration: at.generation } : {}),
    conditions: setActionPhase(status.conditions, 'Queued', message, {
      now: at.now,
      observedGeneration: at.generation,
    }),
  };
}
