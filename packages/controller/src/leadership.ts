/*
 * What a term of leadership tells the work it runs, and what that work tells it back: the
 * signal that says the lease was lost (not merely a stop), and work still running once the term
 * ended, which holds the lease (`keepLeaseWhile`). The elector opens and closes terms; a
 * Controller reads and announces through these without holding the elector.
 */
import { RoundhouseError } from '@roundhouse/core';

/** Each leading signal's `lost` signal, for a Controller started with the leading one. */
const lostSignals = new WeakMap<AbortSignal, AbortSignal>();

/** Each leading signal's work left running past `onStartedLeading`, see `keepLeaseWhile`. */
const stragglerLists = new WeakMap<AbortSignal, Promise<unknown>[]>();

/** Each leading signal's check that its lease is still within the renew deadline. */
const deadlineChecks = new WeakMap<AbortSignal, () => boolean>();

/**
 * Opens a term of leadership for the elector: `leading` is the signal its work is given, `lost`
 * aborts when the lease is lost, `withinDeadline` says whether the last renewal is recent enough
 * to act on (and, when it is not, ends the term itself). Returns the list `keepLeaseWhile` fills
 * for the term.
 */
export function beginTerm(
  leading: AbortSignal,
  lost: AbortSignal,
  withinDeadline: () => boolean,
): Promise<unknown>[] {
  lostSignals.set(leading, lost);
  deadlineChecks.set(leading, withinDeadline);
  const stragglers: Promise<unknown>[] = [];
  stragglerLists.set(leading, stragglers);
  return stragglers;
}

/** Closes the term: work announced from now on no longer holds the lease. */
export function endTerm(leading: AbortSignal): void {
  stragglerLists.delete(leading);
}

/**
 * Announces `work` still running on behalf of the leadership behind `leading` (a signal
 * `onStartedLeading` was given) after `onStartedLeading` settles, as a Controller does for the
 * reconciles that ignored their aborted signal: the elector keeps renewing the lease and neither
 * releases it nor resolves `run` until `work` settles, for at most `stragglerGraceSeconds`; past
 * that it leaves the lease to expire rather than release it. Does nothing for any other signal,
 * or once that leadership's `run` resolved.
 */
export function keepLeaseWhile(leading: AbortSignal, work: Promise<unknown>): void {
  stragglerLists.get(leading)?.push(work);
}

/**
 * Whether work may start now under `signal`: it has not aborted and, when it is a leading signal,
 * the lease was renewed within the renew deadline. Checked before each reconcile, because the
 * elector's timer is not the first thing to run when a process wakes from a pause (SIGSTOP, a
 * frozen VM): Node runs the timers that fell due meanwhile in the order they fell due, so a
 * requeue or a retry due before the next renewal would start a reconcile while another replica
 * may lead already. A lease found past its deadline is lost there and then, aborting `signal`.
 */
export function mayStartWork(signal: AbortSignal): boolean {
  return !signal.aborted && (deadlineChecks.get(signal)?.() ?? true);
}

/**
 * The signal that aborts when the lease behind `leading` (a signal `onStartedLeading` was given)
 * is lost; undefined for any other signal.
 */
export function leadershipLostSignal(leading: AbortSignal): AbortSignal | undefined {
  return lostSignals.get(leading);
}

/**
 * The reason a leading signal aborts when this replica lost the lease (as opposed to being told
 * to stop): another replica may lead already, so work must stop now rather than drain.
 */
export class LeadershipLostError extends RoundhouseError {
  readonly reason = 'LeadershipLost';

  constructor(readonly lease: string) {
    super(`lost the lease ${lease}`);
  }
}
