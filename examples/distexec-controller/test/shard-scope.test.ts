import { roundhouseConventions } from '@roundhouse/core';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createJobModeController } from '../src/jobs/job-controller.js';
import { buildNodeJob, nodeExecution } from '../src/jobs/node-job.js';
import { distExecs } from '../src/resource.js';
import { distExecView } from '../src/spec.js';
import { jobModeIdentity, patience, World } from './harness.js';

/** The execution namespace deploy/job-mode.yaml grants the controller. */
const executionNamespace = 'roundhouse-distexec-jobs';

/*
 * Controllers sharded by --watch-namespace share the execution namespace (only the Lease's
 * namespace must differ), so each one's Job informer sees the others' node Jobs. A shard must
 * not take them as a reason to run the DistExecs of a namespace it does not watch: it would run
 * them by its own operator's policy (its --allowed-images, --job-tolerations, --max-timeout).
 */
describeWithControlPlane('a Job-mode shard beside the node Jobs of another shard', () => {
  const env = useTestNamespace({ prefix: 'dx-shard' });
  const world = new World(env);
  const shardNamespace = () => `${env.namespace}-a`;
  const abort = new AbortController();
  let running: Promise<void> | undefined;

  beforeAll(async () => {
    await world.setUp();
    await world.admin.create(resources.namespaces, undefined, {
      metadata: { name: shardNamespace() },
    });
  });

  afterAll(async () => {
    abort.abort();
    await running;
    await world.admin.delete(resources.namespaces, undefined, shardNamespace());
    await world.tearDown();
  });

  /** A DistExec of `namespace` on this file's nodes, as the admin creates it. */
  async function createDistExec(namespace: string, name: string, image: string) {
    const manifest = {
      apiVersion: 'roundhouse.dev/v1alpha1',
      kind: 'DistExec',
      metadata: { name },
      spec: { nodeSelector: world.selector, command: 'true', image },
    };
    return (await world.admin.create(distExecs, namespace, manifest)).object;
  }

  it('neither runs nor writes a DistExec of a namespace it does not watch, whose node Job the other shard made', async () => {
    const node = await world.createNode('a');
    // Creates the execution namespace too.
    const kubeConfig = await jobModeIdentity(world.admin, world.env);
    // The other shard's DistExec, whose node Job its controller (not running here) made.
    const other = await createDistExec(env.namespace, 'other', 'registry.invalid/busybox:1');
    const view = distExecView(other);
    const spec = view.spec.valid ? view.spec.value : { command: '' };
    const job = buildNodeJob(
      nodeExecution(view, spec, node, 1, 'registry.invalid/busybox:1'),
      executionNamespace,
      {
        conventions: roundhouseConventions,
        serviceAccountName: 'runner',
        securityProfile: 'restricted',
      },
    );
    const suspended = { ...job, spec: { ...job.spec, suspend: true } } as unknown as KubeObject;
    const made = (await world.admin.create(resources.jobs, executionNamespace, suspended)).object;
    // This shard watches its own namespace, by its own policy (registry.other allowed too).
    // One worker: the other shard's Job, which its informer's first list holds, is handed out
    // before this shard's own DistExec below.
    const controller = createJobModeController({
      kubeConfig,
      client: new KubeClient(kubeConfig),
      executionNamespace,
      image: 'registry.invalid/busybox:1',
      allowedImages: ['registry.invalid/*', 'registry.other/*'],
      watchNamespace: shardNamespace(),
      resyncMs: 1_000,
      workers: 1,
      job: { pod: { tolerations: [world.testNodeToleration] } },
    });
    running = controller.start(abort.signal);
    await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
    await createDistExec(shardNamespace(), 'own', 'registry.other/tool:1');
    await vi.waitFor(async () => {
      const own = await world.admin.get<KubeObject>(distExecs, shardNamespace(), 'own');
      const results = (own?.status as { results?: Record<string, { attempts?: number }> })?.results;
      expect(results?.[node]?.attempts).toBe(1);
    }, patience);
    const untouched = await world.admin.get<KubeObject>(distExecs, env.namespace, 'other');
    expect(untouched?.status).toBeUndefined();
    expect(untouched?.metadata?.finalizers ?? []).toEqual([]);
    const { items } = await world.admin.list<KubeObject>(resources.jobs, executionNamespace, {
      labelSelector: `roundhouse.dev/source-namespace=${env.namespace}`,
    });
    expect(items.map((j) => j.metadata?.uid)).toEqual([made.metadata?.uid]);
    await world.admin.delete(resources.jobs, executionNamespace, made.metadata?.name as string);
  });
});
