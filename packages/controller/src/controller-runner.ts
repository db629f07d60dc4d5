import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '@roundhouse/core';
import type { KubeClient } from '@roundhouse/kube';
import type { Controller } from './controller.js';
import { describeError } from './describe-error.js';
import { leadUntilStopped } from './lead-until-stopped.js';
import { LeaderElector, type LeaderElectorOptions } from './leader-election.js';

/**
 * The Lease a controller leads on (`--leader-elect`): its namespace and name, and, for tests
 * that cannot wait for client-go's, the elector's timings.
 */
export type LeaderElection = Omit<LeaderElectorOptions, 'identity' | 'logger'> & {
  /**
   * Unique per replica. Default: the host name (in a pod, the pod's name), `_` and a random
   * UUID, as controller-runtime's: host names repeat (pods on the host network, or whose
   * template sets spec.hostname), and two replicas sharing an identity would both lead.
   */
  readonly identity?: string | undefined;
};

export interface ControllerRunnerOptions {
  /** Lead on this Lease before running; none runs the controller at once. */
  readonly leaderElection?: LeaderElection | undefined;
  /**
   * Work that runs beside the controller, on the same signal, and so only while this replica
   * leads: a TtlGarbageCollector, which a standby must leave to the leader. It should resolve
   * once its signal aborts; a rejection is fatal (see `run`).
   */
  readonly alongside?: readonly { run(signal: AbortSignal): Promise<unknown> }[] | undefined;
  readonly logger?: Logger | undefined;
}

export interface ControllerRunner {
  /**
   * What `/readyz` answers: a standby replica is ready at once (it serves its purpose by
   * waiting, and a Deployment of two would otherwise never finish a rolling update); a leader,
   * or a controller run without election, once its caches synced.
   */
  readonly ready: boolean;
  /**
   * Runs the controller until `signal` aborts: at once without leader election; with it,
   * whenever this replica holds the Lease, competing again after losing it (see
   * `leadUntilStopped`). Rejects with LeaseLostWhileReconcilingError when the Lease was lost
   * while a reconcile that ignored its aborted signal still runs: under `runControllerMain`
   * that is one `fatal` line and exit code 1, so the Deployment restarts the pod and the
   * reconcile ends with it, as controller-runtime's manager exits on a lost lease.
   *
   * The controller or work `alongside` it rejecting is fatal, with or without election, as a
   * failed runnable stops controller-runtime's manager: the rest stop as on a stop (the
   * controller drains its reconciles), the Lease is released only after they all ended, and
   * `run` rejects with the first failure instead of competing again.
   */
  run(signal: AbortSignal): Promise<void>;
}

/**
 * How a controller process runs its controller, with or without `--leader-elect`, so that every
 * main wires election, readiness and the exit on a lost lease the same way.
 */
export function controllerRunner(
  client: KubeClient,
  controller: Pick<Controller, 'start' | 'reconciling' | 'ready'>,
  options: ControllerRunnerOptions = {},
): ControllerRunner {
  const runnables = [
    (signal: AbortSignal) => controller.start(signal),
    ...(options.alongside ?? []).map((w) => (signal: AbortSignal) => w.run(signal)),
  ];
  const election = options.leaderElection;
  const elector = election
    ? new LeaderElector(client, {
        ...election,
        identity: election.identity ?? `${hostname()}_${randomUUID()}`,
        ...(options.logger ? { logger: options.logger } : {}),
      })
    : undefined;
  return {
    get ready() {
      return (elector !== undefined && !elector.isLeader) || controller.ready;
    },
    async run(signal) {
      // A failure stops this run as the caller's signal would: the elector then lets the
      // controller drain (a failure is no lost lease) and releases the Lease only after it.
      const failed = new AbortController();
      let failure: { error: unknown } | undefined;
      const stopped = AbortSignal.any([signal, failed.signal]);
      const work = {
        async start(running: AbortSignal): Promise<void> {
          // Every runnable is waited for, not only the first to fail: the controller's drain
          // must end before the elector releases the Lease to a successor.
          await Promise.all(
            runnables.map((run) =>
              Promise.resolve()
                .then(() => run(running))
                .catch((error: unknown) => {
                  if (failure) return;
                  failure = { error };
                  options.logger?.error(describeError(error), 'controller work failed; stopping');
                  failed.abort(error);
                }),
            ),
          );
        },
        get reconciling() {
          return controller.reconciling;
        },
      };
      if (elector) await leadUntilStopped(elector, work, stopped);
      else await work.start(stopped);
      if (failure) throw failure.error;
    },
  };
}
