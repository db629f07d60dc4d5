import type { ReservationSightings } from '@roundhouse/controller';
import { type Clock, reservationSpec, systemClock } from '@roundhouse/controller';
import { type Logger, noopLogger } from '@roundhouse/core';
import { isKubernetesError, type KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { planRenewals, type Renewal, type Renewing } from './reservation-renewal.js';

export interface ReservationRenewerOptions {
  readonly client: Pick<KubeClient, 'replace'>;
  /**
   * The controller's informer of the reservation Leases, into which each renewal is observed,
   * so the next look judges the Lease as written rather than a copy the watch has yet to update.
   */
  readonly reservations: {
    list(): KubeObject[];
    observe(lease: KubeObject): void;
  };
  /** The actions that serialize on a Lease, by its name (`reservationIndex`). */
  readonly holdersOf: (leaseName: string) => readonly KubeObject[];
  /** Asks for the action's reconcile, when its reservation was found taken over. */
  readonly wake: (key: string) => void;
  /** The cache's namespace, where the Leases are. */
  readonly namespace: string;
  /** The reservations' heartbeat (the requeue period): each is renewed once per heartbeat. */
  readonly heartbeatMs: number;
  /**
   * When this controller first saw each Lease as it stands, shared with the cache gate and the
   * collector; each renewal is recorded as seen when its write is answered.
   */
  readonly sightings: ReservationSightings;
  /** When the next look is due, and what tries and sightings are counted by. */
  readonly clock?: Clock | undefined;
  /** The time written into a renewal's `renewTime`. */
  readonly now?: (() => Date) | undefined;
  readonly logger?: Logger | undefined;
}

/**
 * Renews every reservation held by an action under way on a timer of its own, as a leader
 * elector renews its lease: a reconcile's turn on the workers every tenant shares may come later
 * than the Lease's expiry when another namespace floods the queue, and a waiter would then run
 * beside the holder. What to renew when is `planRenewals`'; this only reads the informer, writes
 * each renewal at the resourceVersion read, and wakes the action whose Lease another wrote
 * meanwhile (taken over after it expired, or released). It runs from `runUntil` until its signal
 * aborts: the controller's run, so a standby, or a leader that lost its lease, renews nothing.
 */
export class ReservationRenewer {
  readonly #o: ReservationRenewerOptions;
  readonly #clock: Clock;
  readonly #now: () => Date;
  #remembered: ReadonlyMap<string, Renewing> = new Map();

  constructor(options: ReservationRenewerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#now = options.now ?? (() => new Date());
  }

  /** Renews from now until `signal` aborts; a look in flight then writes nothing more. */
  runUntil(signal: AbortSignal): void {
    let cancel = () => {};
    const look = () => {
      void this.#look(signal)
        .catch((error: unknown) => {
          // Nothing a look throws may end the renewals: the next heartbeat looks again.
          (this.#o.logger ?? noopLogger).warn(
            { error: error instanceof Error ? error.message : String(error) },
            'cache reservations not looked at; trying again in a heartbeat',
          );
          return this.#o.heartbeatMs;
        })
        .then((nextInMs) => {
          if (!signal.aborted) cancel = this.#clock.setTimer(look, nextInMs);
        });
    };
    signal.addEventListener('abort', () => cancel(), { once: true });
    look();
  }

  async #look(signal: AbortSignal): Promise<number> {
    const { heartbeatMs, holdersOf, reservations, sightings } = this.#o;
    const now = this.#now();
    const plan = planRenewals(
      reservations.list(),
      holdersOf,
      this.#remembered,
      (lease) => sightings.unchangedForMs(lease),
      { wall: now, mono: this.#clock.now() },
      heartbeatMs,
    );
    this.#remembered = plan.held;
    for (const key of new Set(plan.lost)) this.#o.wake(key);
    await Promise.all(plan.renew.map((renewal) => this.#renew(renewal, now, signal)));
    return plan.nextInMs;
  }

  async #renew(renewal: Renewal, now: Date, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const { client, namespace, heartbeatMs } = this.#o;
    const spec = reservationSpec(renewal.lease.spec, renewal.holder, now, heartbeatMs);
    // A request that hangs must not hold up the next heartbeat's renewals, this one's included.
    const late = new AbortController();
    const cancel = this.#clock.setTimer(() => late.abort(), heartbeatMs);
    try {
      const renewed = await client.replace(
        resources.leases,
        namespace,
        renewal.name,
        { ...renewal.lease, spec } as KubeObject,
        { signal: AbortSignal.any([signal, late.signal]) },
      );
      // Seen as it was answered, not at the next look: the next renewal is due a heartbeat
      // from this one.
      this.#o.sightings.unchangedForMs(renewed);
      this.#o.reservations.observe(renewed);
    } catch (error) {
      if (isKubernetesError(error, 'Conflict') || isKubernetesError(error, 'NotFound')) {
        // Written or deleted by another since it was read: the action judges where it stands.
        this.#o.wake(renewal.key);
        return;
      }
      if (signal.aborted) return;
      (this.#o.logger ?? noopLogger).warn(
        {
          lease: `${namespace}/${renewal.name}`,
          action: renewal.key,
          error: error instanceof Error ? error.message : String(error),
        },
        'cache reservation not renewed; trying again in a heartbeat',
      );
    } finally {
      cancel();
    }
  }
}
