import { hostname } from 'node:os';
import type { Logger } from '@roundhouse/core';
import type { KubeClient } from '@roundhouse/kube';
import type { Controller } from './controller.js';
import { leadUntilStopped } from './lead-until-stopped.js';
import { LeaderElector, type LeaderElectorOptions } from './leader-election.js';

/**
 * The Lease a controller leads on (`--leader-elect`): its namespace and name, and, for tests
 * that cannot wait for client-go's, the elector's timings.
 */
export type LeaderElection = Omit<LeaderElectorOptions, 'identity' | 'logger'> & {
  /** Unique per replica. Default: the host name (in a pod, the pod's name) and the process id. */
  readonly identity?: string | undefined;
};

export interface ControllerRunnerOptions {
  /** Lead on this Lease before running; none runs the controller at once. */
  readonly leaderElection?: LeaderElection | undefined;
  /**
   * Work that runs beside the controller, on the same signal, and so only while this replica
   * leads: a TtlGarbageCollector, which a standby must leave to the leader.
   */
  readonly alongside?: readonly { run(signal: AbortSignal): Promise<unknown> }[];
  readonly logger?: Logger;
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
  const alongside = options.alongside ?? [];
  const work = {
    async start(signal: AbortSignal): Promise<void> {
      await Promise.all([controller.start(signal), ...alongside.map((w) => w.run(signal))]);
    },
    get reconciling() {
      return controller.reconciling;
    },
  };
  const election = options.leaderElection;
  const elector = election
    ? new LeaderElector(client, {
        ...election,
        identity: election.identity ?? `${hostname()}-${process.pid}`,
        ...(options.logger ? { logger: options.logger } : {}),
      })
    : undefined;
  return {
    get ready() {
      return (elector !== undefined && !elector.isLeader) || controller.ready;
    },
    run: (signal) => (elector ? leadUntilStopped(elector, work, signal) : work.start(signal)),
  };
}
