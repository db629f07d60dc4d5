import {
  isTerminalActionPhase,
  phaseOf,
  type ReservationFacts,
  type ReservationSightings,
} from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { taskActionView } from './spec.js';

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
 * What this controller knows of `lease` now, for `judgeReservation`: whether its holder is a
 * TaskAction under way among `holdersOf` its name (the actions informer's `reservationIndex`),
 * and how long `sightings` has seen it unchanged.
 */
export function reservationFactsOf(
  sightings: ReservationSightings,
  lease: KubeObject & { spec?: { holderIdentity?: string | null | undefined } | undefined },
  holdersOf: (leaseName: string) => readonly KubeObject[],
): ReservationFacts {
  const holder = holderUnderWay(holdersOf(lease.metadata?.name ?? ''), lease.spec?.holderIdentity);
  return { holderUnderWay: holder !== undefined, unchangedForMs: sightings.unchangedForMs(lease) };
}
