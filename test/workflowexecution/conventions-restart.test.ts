import {
  type Conventions,
  kubernautConventions,
  Registry,
  roundhouseConventions,
} from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, type KubeObject, type Reader, resources } from '@roundhouse/kube';
import { describeWithControlPlane, podControls } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import { useController } from './controller-fixture.js';
import { condition, eventsAbout, manifest, patience } from './harness.js';

/**
 * A controller restarted under the other `--conventions` (the API group and namespaces the
 * same) while an execution runs: the execution's Job carries the first preset's owner labels.
 * The execution is left as it is, saying why, until a controller under its preset runs again.
 */
describeWithControlPlane('WorkflowExecution across a conventions switch', () => {
  const cluster = useController('wfe-conventions');
  const { env } = cluster;

  /** The job engine under `conventions`, reading through the controller's cache. */
  const jobsUnder = (conventions: Conventions) => (reader: Reader) =>
    new Registry().register(
      new JobExecutor(new KubeClient(env.kubeConfig), {
        conventions,
        podAnnotations: { [podControls.runSeconds]: '3' },
        reader,
      }),
    );

  it('leaves a running execution Running, stalled with one Warning Event and its Job intact, under the other preset, and completes it back under its own', async () => {
    const wfe = manifest();
    const name = wfe.metadata.name;
    const first = await cluster.start({
      registry: jobsUnder(roundhouseConventions),
      cooldownMs: 1_000,
    });
    await cluster.apply(wfe);
    const running = await cluster.waitForPhase(name, 'Running');
    const jobName = running.status?.executionRef?.name as string;
    const made = await cluster.client().get(resources.jobs, cluster.executionNamespace, jobName);
    await first.stop();

    const switched = await cluster.start({
      registry: jobsUnder(kubernautConventions),
      cooldownMs: 1_000,
    });
    const stalled = await vi.waitFor(async () => {
      const current = await cluster.read(name);
      expect(condition(current, 'Stalled')).toMatchObject({
        status: 'True',
        reason: 'ConventionsMismatch',
        message: expect.stringContaining('under the roundhouse conventions'),
      });
      return current;
    }, patience);
    expect(stalled?.status?.phase).toBe('Running');
    expect(stalled?.status?.failureDetails).toBeUndefined();
    // The Job runs to its end meanwhile, and still no verdict is taken from it.
    const left = await vi.waitFor(async () => {
      const job = await cluster
        .client()
        .get<KubeObject & { status?: { succeeded?: number } }>(
          resources.jobs,
          cluster.executionNamespace,
          jobName,
        );
      expect(job?.status?.succeeded).toBe(1);
      return job;
    }, patience);
    expect((await cluster.read(name))?.status?.phase).toBe('Running');
    expect(left?.metadata?.uid).toBe(made?.metadata?.uid);
    expect(left?.metadata?.deletionTimestamp).toBeUndefined();
    const warnings = (await eventsAbout(cluster.client(), env.namespace, name)).filter(
      (event) => event.reason === 'ConventionsMismatch',
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.type).toBe('Warning');
    await switched.stop();

    await cluster.start({ registry: jobsUnder(roundhouseConventions), cooldownMs: 1_000 });
    const done = await cluster.waitForPhase(name, 'Completed');
    expect(condition(done, 'Stalled')?.status).toBe('False');
    await vi.waitFor(async () => {
      const released = condition(await cluster.read(name), 'LockReleased');
      expect(released).toMatchObject({ status: 'True', reason: 'CleanedUp' });
    }, patience);
  });
});
