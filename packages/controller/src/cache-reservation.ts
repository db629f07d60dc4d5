import { acquiredSpec, type LeaseSpec } from './lease.js';

/**
 * A reservation lease lives this many heartbeats past its last renewal: Flyte's cache service
 * expires a reservation after `heartbeatGracePeriodMultiplier` (3) heartbeats.
 */
export const reservationGraceHeartbeats = 3;

/** What a serialized cache reservation (a Lease) is to `owner` at a given moment. */
export type Reservation =
  /** No lease, no holder, or the holder stopped renewing it: anyone may take it. */
  | { readonly state: 'free' }
  /** `owner` holds it; `renewDue` once it was seen unchanged for half a heartbeat. */
  | { readonly state: 'mine'; readonly renewDue: boolean }
  /** Someone else holds it: look again by `expiresAt`, when it is free unless renewed. */
  | { readonly state: 'held'; readonly holder: string; readonly expiresAt: Date };

/**
 * What the controller knows of a reservation Lease beyond what its writer wrote in it: the
 * facts `judgeReservation` decides by. The caller finds them (only it knows its actions).
 */
export interface ReservationFacts {
  /** Whether the Lease's holder is an action under way (not finished) serializing on its key. */
  readonly holderUnderWay: boolean;
  /**
   * How long this controller has seen the Lease unchanged (same uid and resourceVersion), in ms
   * of its own monotonic clock (`ReservationSightings`): client-go's observedTime, never the
   * writer's `renewTime`.
   */
  readonly unchangedForMs: number;
  /**
   * The identity of another owner of the key whose attempt is under way, if any: the
   * reservation is its, whatever the Lease says.
   */
  readonly runningAttempt?: string | undefined;
}

/**
 * What a reservation Lease is to `owner` (whoever would take it; '' for a collector, which holds
 * none), judged by what this controller saw rather than by the Lease's timestamps:
 * - An action under way keeps its key however long ago the Lease was renewed: while the
 *   controller was down or stalled past the Lease's duration its attempt ran on, and a waiter
 *   that took the Lease then would run beside it. The holder ends (and releases) or is renewed;
 *   the waiter looks again within a heartbeat.
 * - Any other holder (its action deleted, or ended without releasing) keeps it until the Lease
 *   has stood unchanged for its duration as this controller saw it, as client-go's leader
 *   election judges expiry: `renewTime` is written by whichever replica led, on its clock, and a
 *   standby whose clock is ahead would free it early, one behind would see it renewed in the
 *   future. The duration counts no more than a renewal `reservationSpec` writes, so whoever may
 *   write Leases there cannot hold a key for ever with a huge one.
 * - A Lease free by those rules (or none) is held all the same by another owner of the key whose
 *   attempt is under way (`facts.runningAttempt`): a newcomer never runs beside it.
 */
export function judgeReservation(
  spec: LeaseSpec | undefined,
  owner: string,
  facts: ReservationFacts,
  now: Date,
  heartbeatMs: number,
): Reservation {
  const judged = judgeLease(spec, owner, facts, now, heartbeatMs);
  const running = facts.runningAttempt;
  if (judged.state !== 'free' || !running || running === owner) return judged;
  return { state: 'held', holder: running, expiresAt: new Date(now.getTime() + heartbeatMs) };
}

function judgeLease(
  spec: LeaseSpec | undefined,
  owner: string,
  facts: ReservationFacts,
  now: Date,
  heartbeatMs: number,
): Reservation {
  const holder = spec?.holderIdentity;
  if (!holder) return { state: 'free' };
  if (holder === owner) return { state: 'mine', renewDue: facts.unchangedForMs >= heartbeatMs / 2 };
  if (facts.holderUnderWay) {
    return { state: 'held', holder, expiresAt: new Date(now.getTime() + heartbeatMs) };
  }
  const durationMs = Math.min(
    (spec.leaseDurationSeconds ?? 0) * 1000,
    reservationSeconds(heartbeatMs) * 1000,
  );
  const leftMs = durationMs - facts.unchangedForMs;
  if (leftMs <= 0) return { state: 'free' };
  return { state: 'held', holder, expiresAt: new Date(now.getTime() + leftMs) };
}

/**
 * The lease spec of `owner` taking or renewing a reservation at `now`: it lasts
 * `reservationGraceHeartbeats` heartbeats from when a reader sees it written
 * (`judgeReservation`), so a holder that misses two renewals keeps it. Its `renewTime` is on the
 * writer's clock: `judgeReservation` never reads it.
 */
export function reservationSpec(
  spec: LeaseSpec | undefined,
  owner: string,
  now: Date,
  heartbeatMs: number,
): LeaseSpec {
  return acquiredSpec(spec, owner, reservationSeconds(heartbeatMs), now);
}

/** How long a reservation lasts past its renewal, in the whole seconds a Lease records. */
function reservationSeconds(heartbeatMs: number): number {
  return Math.max(1, Math.ceil((reservationGraceHeartbeats * heartbeatMs) / 1000));
}
