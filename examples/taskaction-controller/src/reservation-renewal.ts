import { type Lease, LeaseSchema } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { z } from 'zod';
import { cacheObjectName } from './cache.js';
import { holderUnderWay } from './reservation-facts.js';

/**
 * The TaskAction informer's index of serialized actions by the name of their key's reservation
 * Lease (`cacheObjectName`), where the renewer finds who may hold a Lease it sees.
 */
export const reservationIndex = 'reservation';

const SerializedSchema = z.object({
  metadata: z.object({ namespace: z.string() }),
  spec: z.object({
    project: z.string(),
    domain: z.string(),
    cacheKey: z.string(),
    taskTemplate: z.object({ cacheSerializable: z.literal(true) }),
  }),
});

/** The reservation an action serializes on, by its Lease's name; none for any other action. */
export function indexByReservation(action: KubeObject): string[] {
  const parsed = SerializedSchema.safeParse(action);
  if (!parsed.success) return [];
  const { metadata, spec } = parsed.data;
  const { project, domain, cacheKey } = spec;
  return [cacheObjectName({ namespace: metadata.namespace, project, domain, cacheKey })];
}

/** What the renewer remembers of a reservation it renews: whose it is, and its last try. */
export interface Renewing {
  /** The holder's TaskAction key, woken when the reservation is found taken over. */
  readonly key: string;
  /** The holder's identity (its action's uid). */
  readonly holder: string;
  /** When a renewal was last sent, successful or not (ms on the controller's monotonic clock). */
  readonly triedAt?: number | undefined;
}

/** A renewal to send: the Lease as read, to replace at its resourceVersion. */
export interface Renewal {
  readonly name: string;
  readonly lease: Lease;
  readonly key: string;
  readonly holder: string;
}

export interface RenewalPlan {
  /** Reservations to renew now. */
  readonly renew: readonly Renewal[];
  /** Keys of actions whose reservation, renewed before, another now holds. */
  readonly lost: readonly string[];
  /** Every reservation held by an action under way, by Lease name: the memory to keep. */
  readonly held: ReadonlyMap<string, Renewing>;
  /** When to look again, at most a heartbeat from now. */
  readonly nextInMs: number;
}

/** The moment a look is made at, on both of the controller's clocks. */
export interface LookedAt {
  /** The wall clock, which a Lease's `renewTime` is written by. */
  readonly wall: Date;
  /** The monotonic clock (`Clock.now`), which tries and sightings are counted by. */
  readonly mono: number;
}

/**
 * Which reservations to renew at `now`, and when to look again. A Lease is renewed for its holder
 * when the holder is an action under way (not finished) that serializes on that very key: found
 * in `holdersOf` (the index above), its uid the Lease's holder. It is renewed one heartbeat after
 * its last renewal, or after the last try when that failed: never more often than once a
 * heartbeat, and two missed renewals still leave it held (it lasts three, `reservationSpec`).
 * Its last renewal is the older of what its `renewTime` says on this controller's clock and how
 * long `unchangedForMs` has seen it unchanged: a Lease a replica with a clock behind this one's
 * renewed looks renewed in the future, and is renewed by how long it stood unchanged; one after
 * a restart is renewed at once when its `renewTime` is a heartbeat old.
 */
export function planRenewals(
  leases: readonly KubeObject[],
  holdersOf: (leaseName: string) => readonly KubeObject[],
  remembered: ReadonlyMap<string, Renewing>,
  unchangedForMs: (lease: KubeObject) => number,
  now: LookedAt,
  heartbeatMs: number,
): RenewalPlan {
  const renew: Renewal[] = [];
  const lost: string[] = [];
  const held = new Map<string, Renewing>();
  let nextInMs = heartbeatMs;
  for (const object of leases) {
    const name = object.metadata?.name;
    const parsed = LeaseSchema.safeParse(object);
    if (!name || !parsed.success) continue;
    const lease = parsed.data;
    const holder = lease.spec?.holderIdentity ?? '';
    const before = remembered.get(name);
    if (before && before.holder !== holder) lost.push(before.key);
    const action = holderUnderWay(holdersOf(name), holder);
    if (!action) continue;
    const key = `${action.metadata?.namespace}/${action.metadata?.name}`;
    const triedAt = before?.holder === holder ? before.triedAt : undefined;
    const written = now.wall.getTime() - Date.parse(lease.spec?.renewTime ?? '');
    const renewedMsAgo = Math.max(Number.isNaN(written) ? 0 : written, unchangedForMs(object));
    const triedMsAgo = triedAt === undefined ? renewedMsAgo : now.mono - triedAt;
    const sinceMs = Math.min(renewedMsAgo, triedMsAgo);
    if (sinceMs >= heartbeatMs) {
      renew.push({ name, lease, key, holder });
      held.set(name, { key, holder, triedAt: now.mono });
    } else {
      held.set(name, { key, holder, triedAt });
      nextInMs = Math.min(nextInMs, heartbeatMs - sinceMs);
    }
  }
  return { renew, lost, held, nextInMs };
}
