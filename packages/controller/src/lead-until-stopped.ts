import { RoundhouseError } from '@roundhouse/core';
import type { Controller } from './controller.js';
import type { LeaderElector } from './leader-election.js';

/**
 * This replica's leadership ended (a lost lease, not a stop) while reconciles that ignored their
 * aborted signal still run: another replica may lead and reconcile their keys meanwhile, and
 * nothing in this process can stop them but its end.
 */
export class LeaseLostWhileReconcilingError extends RoundhouseError {
  readonly reason = 'LeaseLostWhileReconciling';

  constructor(readonly keys: readonly string[]) {
    super(
      `lost the lease while ${keys.join(', ')} still reconcile (their reconciles ignored the abort); ending the process so that they cannot overlap the next leader's, as controller-runtime does`,
    );
  }
}

/**
 * Leads with `controller` whenever `elector` holds the lease, and competes again after losing
 * it, until `signal` aborts. A leadership that ended without `signal` aborting while
 * `controller.reconciling` is not empty (the elector kept the lease for their grace and they
 * outlasted it, or the lease was lost outright) rejects with LeaseLostWhileReconcilingError: the
 * caller ends the process non-zero, its Deployment restarts it, and the stragglers end with it,
 * as controller-runtime's manager exits on a lost lease. On a stop (SIGTERM) it resolves: the
 * process ends anyway.
 */
export async function leadUntilStopped(
  elector: Pick<LeaderElector, 'run'>,
  controller: Pick<Controller, 'start' | 'reconciling'>,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    await elector.run(signal, { onStartedLeading: (leading) => controller.start(leading) });
    const left = controller.reconciling;
    if (!signal.aborted && left.length > 0) throw new LeaseLostWhileReconcilingError(left);
  }
}
