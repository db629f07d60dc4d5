import type { KubeObject } from '@roundhouse/kube';
import { type Clock, systemClock } from './clock.js';

/** A reservation Lease as this controller first saw it in its current version. */
export interface Sighting {
  readonly uid: string | undefined;
  readonly resourceVersion: string | undefined;
  /** On the controller's monotonic clock (`Clock.now`). */
  readonly at: number;
}

/**
 * The sighting of `lease` at `now`: the earlier one while the Lease is the same object at the
 * same resourceVersion, else a new one from `now` (written since, or deleted and created again).
 */
export function sight(previous: Sighting | undefined, lease: KubeObject, now: number): Sighting {
  const { uid, resourceVersion } = lease.metadata ?? {};
  if (previous && previous.uid === uid && previous.resourceVersion === resourceVersion) {
    return previous;
  }
  return { uid, resourceVersion, at: now };
}

/**
 * When this controller first saw each reservation Lease as it stands, by name: what
 * `judgeReservation` counts expiry by (`ReservationFacts.unchangedForMs`), as client-go's leader
 * election keeps its observedTime, so no replica's clock is trusted but its own. One per
 * process, shared by whatever reads the reservations (a cache gate reading a Lease from the API
 * server, a renewer recording its own renewals as it writes them, a collector reading an
 * informer); `forget` a Lease the informer sees deleted.
 */
export class ReservationSightings {
  readonly #clock: Clock;
  readonly #byName = new Map<string, Sighting>();

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  /** How long `lease` has been seen unchanged, in ms; 0 the first time it is seen so. */
  unchangedForMs(lease: KubeObject): number {
    const name = lease.metadata?.name ?? '';
    const now = this.#clock.now();
    const sighting = sight(this.#byName.get(name), lease, now);
    this.#byName.set(name, sighting);
    return now - sighting.at;
  }

  forget(name: string): void {
    this.#byName.delete(name);
  }
}
