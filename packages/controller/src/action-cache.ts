import { z } from 'zod';
import { type ActionStatus, enterPhase, phaseOf, type TransitionAt } from './action-status.js';
import type { Reservation } from './cache-reservation.js';

/**
 * Flyte's `CatalogCacheStatus` (flyteidl2/core/catalog.proto), by name: what the cache did for
 * an action. Absent is Flyte's default, `CACHE_DISABLED`.
 */
export const CatalogCacheStatusSchema = z.enum([
  'CACHE_DISABLED',
  'CACHE_MISS',
  'CACHE_HIT',
  'CACHE_POPULATED',
  'CACHE_LOOKUP_FAILURE',
  'CACHE_PUT_FAILURE',
  'CACHE_SKIPPED',
  'CACHE_EVICTED',
]);

export type CatalogCacheStatus = z.infer<typeof CatalogCacheStatusSchema>;

/** The status field a cached action adds: extend the action's status schema with it. */
export const CacheStatusFieldsSchema = z.object({
  cacheStatus: CatalogCacheStatusSchema.optional(),
});

export type CachedActionStatus = ActionStatus & {
  readonly cacheStatus?: CatalogCacheStatus | undefined;
};

/** What is known before an attempt launches: the cache entry, and the reservation if serialized. */
export interface CacheLookup {
  /** Where the action that populated the entry wrote its outputs; undefined: a miss. */
  readonly outputUri: string | undefined;
  /** Undefined for an action that does not serialize on its key. */
  readonly reservation: Reservation | undefined;
}

/** What to do instead of, or before, launching an attempt of a cached action. */
export type CacheGate =
  /** End the action with the cached outputs; launch nothing. */
  | { readonly gate: 'hit'; readonly outputUri: string }
  /** Launch as usual. */
  | { readonly gate: 'run' }
  /** Take (or renew) the reservation, then launch. */
  | { readonly gate: 'reserve' }
  /** Another action is populating the entry: stay Queued and look again by `until`. */
  | { readonly gate: 'wait'; readonly holder: string; readonly until: Date };

/**
 * Flyte's order: a hit wins over everything (also over a reservation this action holds, which
 * it then releases); a miss runs, serialized actions only once they hold the reservation.
 */
export function cacheGate(lookup: CacheLookup): CacheGate {
  if (lookup.outputUri !== undefined) return { gate: 'hit', outputUri: lookup.outputUri };
  const { reservation } = lookup;
  if (reservation === undefined) return { gate: 'run' };
  if (reservation.state === 'held') {
    return { gate: 'wait', holder: reservation.holder, until: reservation.expiresAt };
  }
  return { gate: 'reserve' };
}

/** `status` with `cacheStatus` set; undefined stays undefined (the transition did not apply). */
export function withCacheStatus(
  status: ActionStatus | undefined,
  cacheStatus: CatalogCacheStatus,
): CachedActionStatus | undefined {
  return status && { ...status, cacheStatus };
}

/**
 * Queued -> Completed without launching anything: the outputs of the action that populated the
 * cache are this action's outputs (`CACHE_HIT`).
 */
export function markCacheHit(
  status: ActionStatus,
  outputUri: string,
  at: TransitionAt,
): CachedActionStatus | undefined {
  if (phaseOf(status) !== 'Queued') return undefined;
  const message = `cache hit: outputs reused from ${outputUri}`;
  return withCacheStatus(
    enterPhase(status, 'Completed', message, at, { systemFailures: 0 }),
    'CACHE_HIT',
  );
}

/** The message of a Queued action waiting for another to populate the cache (Flyte's WaitingForCache). */
export function waitingForCacheMessage(holder: string): string {
  return `WaitingForCache: waiting for the cache to be populated by the reservation holder ${holder}`;
}

/**
 * Queued stays Queued, saying it waits for the cache (`CACHE_MISS`); undefined when it says so
 * already, so waiting writes nothing until the holder changes.
 */
export function markWaitingForCache(
  status: ActionStatus,
  holder: string,
  at: TransitionAt,
): CachedActionStatus | undefined {
  if (phaseOf(status) !== 'Queued') return undefined;
  const message = waitingForCacheMessage(holder);
  const current = status.conditions?.find((c) => c.reason === 'Queued')?.message;
  if (current === message) return undefined;
  return withCacheStatus(enterPhase(status, 'Queued', message, at, {}), 'CACHE_MISS');
}
