import { type ControllerRunner, controllerRunner } from '@roundhouse/controller';
import { executionResourceName } from '@roundhouse/core';
import {
  KubeClient,
  type KubeObject,
  type RequestOptions,
  type ResourceType,
  resources,
} from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import {
  JobModeConfigSchema,
  jobModeDefaults,
  jobModeLeaseName,
  leaderElectionOf,
  loadConfig,
} from '../src/config.js';
import { createJobModeController } from '../src/jobs/job-controller.js';
import { nodeTarget } from '../src/jobs/node-job.js';
import { jobModeIdentity, patience, World } from './harness.js';

/** The namespaces deploy/job-mode.yaml runs the controller in and grants it. */
const executionNamespace = 'roundhouse-distexec-jobs';
const leaseNamespace = 'roundhouse-distexec';

/**
 * The Lease timings of packages/controller's leader-election tests: quick retries keep the
 * handover short; a generous renew deadline keeps a loaded machine from costing the lease.
 */
const fast = { leaseDurationSeconds: 8, renewDeadlineSeconds: 6, retryPeriodSeconds: 0.25 };

/**
 * How long the standby may take to lead once the leader stopped: inside the lease duration, so
 * only a released Lease, not one left to expire, lets it in that soon (and the holder read right
 * after the stop must already be empty or the standby), with room for a loaded machine.
 */
const takeover = { timeout: 7_000, interval: 50 };

type Lease = KubeObject & { spec?: { holderIdentity?: string } };
type Written = KubeObject & {
  metadata?: { managedFields?: { manager?: string; subresource?: string }[] };
};

interface Replica {
  readonly identity: string;
  readonly runner: ControllerRunner;
  readonly controllerReady: () => boolean;
  /** The holder of the Lease each time this replica's elector read it. */
  readonly leaseHolders: readonly (string | undefined)[];
  stop(): Promise<void>;
}

/** A client that notes the holder of every Lease it reads: what the elector saw. */
class LeaseReadingClient extends KubeClient {
  readonly leaseHolders: (string | undefined)[] = [];

  override async get<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options?: RequestOptions,
  ): Promise<T | null> {
    const object = await super.get<T>(type, namespace, name, options);
    if (type === resources.leases)
      this.leaseHolders.push((object as Lease | null)?.spec?.holderIdentity);
    return object;
  }
}

describeWithControlPlane('the Job-per-node controller with --leader-elect', () => {
  const env = useTestNamespace({ prefix: 'dx-lead' });
  const world = new World(env);
  let node = '';
  const replicas: Replica[] = [];

  /**
   * One replica as job-main.ts starts it with `--leader-elect
   * --leader-election-namespace=roundhouse-distexec` (deploy/job-mode.yaml's), as the
   * ServiceAccount of deploy/job-mode.yaml; its writes carry its own field manager, so an
   * object says which replica wrote it.
   */
  async function startReplica(name: string): Promise<Replica> {
    const config = loadConfig(
      JobModeConfigSchema,
      jobModeDefaults,
      [
        '--leader-elect',
        `--leader-election-namespace=${leaseNamespace}`,
        '--job-resource-limits=none',
      ],
      {},
    );
    const kubeConfig = await jobModeIdentity(world.admin, world.env);
    const client = new LeaseReadingClient(kubeConfig, { fieldManager: `replica-${name}` });
    const controller = createJobModeController({
      kubeConfig,
      client,
      executionNamespace: config.executionNamespace,
      image: 'registry.invalid/busybox:1',
      allowedImages: ['registry.invalid/*'],
      watchNamespace: world.env.namespace,
      resyncMs: 1_000,
      job: { pod: { tolerations: [world.testNodeToleration] } },
    });
    const lease = leaderElectionOf(config);
    if (!lease) throw new Error('--leader-elect names no Lease');
    const identity = `${name}-${world.id}`;
    const runner = controllerRunner(client, controller, {
      leaderElection: { ...lease, ...fast, identity },
    });
    const stop = new AbortController();
    const running = runner.run(stop.signal);
    const replica = {
      identity,
      runner,
      controllerReady: () => controller.ready,
      leaseHolders: client.leaseHolders,
      async stop() {
        stop.abort();
        await running;
        await client.close();
      },
    };
    replicas.push(replica);
    return replica;
  }

  const holder = async () =>
    (await world.admin.get<Lease>(resources.leases, leaseNamespace, jobModeLeaseName))?.spec
      ?.holderIdentity;

  /** The field managers that wrote `object`, by the part of it they wrote. */
  const writers = (object: Written | null, subresource?: string) =>
    (object?.metadata?.managedFields ?? [])
      .filter((entry) => (entry.subresource ?? '') === (subresource ?? ''))
      .map((entry) => entry.manager);

  const jobOf = (name: string) =>
    world.admin.get<Written>(
      resources.jobs,
      executionNamespace,
      executionResourceName(nodeTarget(env.namespace, name, node, 1, 1)),
    );

  beforeAll(async () => {
    await world.setUp();
    // The Lease of a run before this one would hold off both replicas until it expired.
    await jobModeIdentity(world.admin, world.env);
    await world.admin.delete(resources.leases, leaseNamespace, jobModeLeaseName);
    node = await world.createNode('lead');
  });

  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await world.tearDown();
  });

  it('reconciles on the replica holding the Lease only, and on the other once the leader stops', async () => {
    const a = await startReplica('a');
    await vi.waitFor(async () => expect(await holder()).toBe(a.identity), patience);
    await vi.waitFor(() => expect(a.controllerReady()).toBe(true), patience);
    const b = await startReplica('b');
    // Once it found the Lease held by a, twice (so its first attempt has ended), the standby is
    // ready (a rolling update's new pod must become Ready), and runs nothing.
    await vi.waitFor(
      () => expect(b.leaseHolders.filter((h) => h === a.identity).length).toBeGreaterThan(1),
      patience,
    );
    expect(b.runner.ready).toBe(true);
    expect(b.controllerReady()).toBe(false);

    await world.createDistExec('first', { command: 'echo first' });
    await world.waitForResults('first', (results) => {
      expect(results[node]).toMatchObject({ phase: 'Succeeded', exitCode: 0 });
    });
    const first = (await world.read('first')) as Written | null;
    expect(writers(first, 'status')).toEqual(['replica-a']);
    expect(writers(first)).not.toContain('replica-b');
    expect(writers(await jobOf('first'))).toContain('replica-a');
    expect(writers(await jobOf('first'))).not.toContain('replica-b');
    expect(b.controllerReady()).toBe(false);
    expect(await holder()).toBe(a.identity);

    // The leader stops (SIGTERM): it releases the Lease, and the standby takes over at once
    // rather than after the lease duration.
    await replicas.shift()?.stop();
    expect(['', b.identity]).toContain(await holder());
    await vi.waitFor(async () => expect(await holder()).toBe(b.identity), takeover);
    await vi.waitFor(() => expect(b.controllerReady()).toBe(true), patience);

    await world.createDistExec('second', { command: 'echo second' });
    await world.waitForResults('second', (results) => {
      expect(results[node]).toMatchObject({ phase: 'Succeeded', exitCode: 0 });
    });
    const second = (await world.read('second')) as Written | null;
    expect(writers(second, 'status')).toEqual(['replica-b']);
    expect(writers(second)).not.toContain('replica-a');
    expect(writers(await jobOf('second'))).toContain('replica-b');
    expect(writers(await jobOf('second'))).not.toContain('replica-a');
  });
});
