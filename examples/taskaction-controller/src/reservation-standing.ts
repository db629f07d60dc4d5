import {
  isTerminalActionPhase,
  type LeaseSpec,
  phaseOf,
  type Reservation,
  reservationGraceHeartbeats,
} from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { taskActionView } from './spec.js';

/** What this controller knows of a reservation Lease beyond what its writer wrote in it. */
export interface ReservationFacts {
  /**
   * Whether the Lease's holder is an action under way (not finished) that serializes on its key,
   * as the controller's informer of the actions holds it (`holderUnderWay`).
   */
  readonly holderUnderWay: boolean;
  /**
   * How long this controller has seen the Lease unchanged (same uid and resourceVersion), in ms
   * of its own monotonic clock: client-go's observedTime, never the writer's `renewTime`.
   */
  readonly unchangedForMs: number;
  /**
   * The uid of another action of the key whose attempt is under way (`runningAttemptOf`), if
   * any: the reservation is its, whatever the Lease says.
   */
  readonly runningAttempt?: string | undefined;
}

/**
 * The action under way that holds a reservation: among `candidates` (the actions that serialize
 * on the Lease's key, `reservationIndex`), the one whose uid is `holder`, if it has not finished.
 */
export function holderUnderWay(
  candidates: readonly KubeObject[],
  holder: string | null | undefined,
): KubeObject | undefined {
  if (!holder) return undefined;
  const action = candidates.find((candidate) => candidate.metadata?.uid === holder);
  if (!action || isTerminalActionPhase(phaseOf(taskActionView(action).status))) return undefined;
  return action;
}

/**
 * Among `candidates` (the actions that serialize on a key, `reservationIndex`), one other than
 * `owner` past its cache gate and not finished: an attempt of it is running or between retries.
 * It took the reservation to get there; a Lease it no longer holds (deleted by hand, or taken
 * while it ran) does not make a second attempt of the key safe.
 */
export function runningAttemptOf(
  candidates: readonly KubeObject[],
  owner: string,
): KubeObject | undefined {
  return candidates.find((candidate) => {
    if (candidate.metadata?.uid === owner) return false;
    const phase = phaseOf(taskActionView(candidate).status);
    return phase !== undefined && phase !== 'Queued' && !isTerminalActionPhase(phase);
  });
}

/**
 * What a reservation Lease is to `owner` (an action's uid; '' for the collector, which holds
 * none), judged by what this controller saw rather than by the Lease's timestamps:
 * - An action under way keeps its key however long ago the Lease was renewed: while the
 *   controller was down or stalled past the Lease's duration its attempt ran on, and a waiter
 *   that took the Lease then would run beside it. The holder ends (and releases) or the renewer
 *   renews it; the waiter looks again within a heartbeat.
 * - Any other holder (its action deleted, or ended without releasing) keeps it until the Lease
 *   has stood unchanged for its duration as this controller saw it, as client-go's leader
 *   election judges expiry: `renewTime` is written by whichever replica led, on its clock, and a
 *   standby whose clock is ahead would free it early, one behind would see it renewed in the
 *   future. The duration counts no more than `reservationGraceHeartbeats` heartbeats, so whoever
 *   may write Leases there cannot hold a key for ever with a huge one.
 * - A Lease free by those rules (or none) is held all the same by another action of the key whose
 *   attempt is under way (`facts.runningAttempt`): a newcomer never runs beside it.
 */
export function judgeStanding(
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
    reservationGraceHeartbeats * heartbeatMs,
  );
  const leftMs = durationMs - facts.unchangedForMs;
  if (leftMs <= 0) return { state: 'free' };
  return { state: 'held', holder, expiresAt: new Date(now.getTime() + leftMs) };
}
