/**
 * The job engine's watch transform (`cachedJob`) on a real control plane: the controller's
 * cache holds each Job without its pod template, the parameters' home, while executions still
 * start, complete, fail with their reason and are adopted after a restart.
 */
import { Registry } from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, type KubeObject, type Reader, resources } from '@roundhouse/kube';
import { describeWithControlPlane, podControls } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd } from '@roundhouse/workflowexecution';
import { beforeAll, expect, it, vi } from 'vitest';
import { useController } from './controller-fixture.js';
import { manifest, patience } from './harness.js';

type Job = KubeObject & { spec?: { template?: unknown } };

/** Parameters of 200 KB, which the Job's pod template carries and its cache entry must not. */
const parameters = Object.fromEntries(
  Array.from({ length: 20 }, (_, i) => [`P${i}`, String(i % 10).repeat(10_000)]),
);

describeWithControlPlane('the job engine caches its Jobs without their pod template', () => {
  const cluster = useController('wfe-jobcache');
  const { env, client } = cluster;

  beforeAll(async () => {
    await ensureWorkflowExecutionCrd(client());
  });

  /** A controller with the job engine; `caches` collects the cache each start reads through. */
  function start(pod: { runSeconds?: number; exitCode?: number }, caches: Reader[]) {
    const annotations: Record<string, string> = {};
    if (pod.runSeconds !== undefined) annotations[podControls.runSeconds] = String(pod.runSeconds);
    if (pod.exitCode !== undefined) annotations[podControls.exitCode] = String(pod.exitCode);
    return cluster.start({
      registry: (reader) => {
        caches.push(reader);
        return new Registry().register(
          new JobExecutor(new KubeClient(env.kubeConfig), {
            podAnnotations: annotations,
            reader,
          }),
        );
      },
      // Keeps a finished Job (the lock) for the test to read.
      cooldownMs: 60_000,
      resyncMs: 600_000,
    });
  }

  /** The execution's Job as the live API server and as the controller's cache hold it. */
  async function jobOf(name: string, cache: Reader) {
    const [live] = (await cluster.jobsOf(name)) as Job[];
    const jobName = live?.metadata?.name as string;
    const cached = await vi.waitFor(async () => {
      const job = await cache.get<Job>(resources.jobs, cluster.executionNamespace, jobName);
      // A Job with its template would be a live read: the cache has not synced it yet.
      expect(job?.spec).toBeDefined();
      expect(job?.spec).not.toHaveProperty('template');
      return job as Job;
    }, patience);
    return { live: live as Job, cached };
  }

  it('runs an execution to Completed while its cached Job has no pod template', async () => {
    const caches: Reader[] = [];
    await start({ runSeconds: 3 }, caches);
    const wfe = await cluster.apply(manifest({ parameters }));
    await cluster.waitForPhase(wfe.metadata.name, 'Running');
    const { live, cached } = await jobOf(wfe.metadata.name, caches[0] as Reader);
    expect(live.spec?.template).toBeDefined();
    expect(cached.metadata).toMatchObject({
      name: live.metadata?.name,
      uid: live.metadata?.uid,
      labels: live.metadata?.labels,
      annotations: live.metadata?.annotations,
    });
    expect(JSON.stringify(cached).length).toBeLessThan(JSON.stringify(live).length / 50);
    const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    expect(done.status?.executionStatus).toMatchObject({ status: 'True', completedTasks: 1 });
  });

  it('fails with TaskFailed and the exit code, read through the trimmed cache', async () => {
    const caches: Reader[] = [];
    await start({ exitCode: 7 }, caches);
    const wfe = await cluster.apply(manifest({ parameters }));
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'TaskFailed',
      exitCode: 7,
      wasExecutionFailure: true,
    });
    const { cached } = await jobOf(wfe.metadata.name, caches[0] as Reader);
    expect(cached.metadata?.name).toBe(failed.status?.executionRef?.name);
  });

  it('adopts its running Job after a restart, from a cache without the pod template', async () => {
    const caches: Reader[] = [];
    const first = await start({ runSeconds: 8 }, caches);
    const wfe = await cluster.apply(manifest({ parameters }));
    const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
    await first.stop();
    await start({ runSeconds: 8 }, caches);
    const { cached } = await jobOf(wfe.metadata.name, caches[1] as Reader);
    expect(cached.metadata?.name).toBe(running.status?.executionRef?.name);
    const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    expect(done.status?.executionRef?.name).toBe(running.status?.executionRef?.name);
    expect(await cluster.jobsOf(wfe.metadata.name)).toHaveLength(1);
  });
});
