import { BatchV1Api, CoreV1Api, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { expect, it, vi } from 'vitest';
import { describeWithControlPlane, podControls, useTestNamespace } from '../src/vitest/index.js';

const patience = { timeout: 90_000, interval: 250 };

function job(name: string, annotations: Record<string, string> = {}, backoffLimit = 0): V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit,
      template: {
        metadata: { annotations },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'registry.invalid/worker:1' }],
        },
      },
    },
  };
}

function condition(j: V1Job, type: string) {
  return j.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

describeWithControlPlane('Jobs on the fake node', () => {
  const env = useTestNamespace();
  const batch = () => env.kubeConfig.makeApiClient(BatchV1Api);
  const core = () => env.kubeConfig.makeApiClient(CoreV1Api);

  async function podsOf(name: string): Promise<V1Pod[]> {
    const pods = await core().listNamespacedPod({
      namespace: env.namespace,
      labelSelector: `job-name=${name}`,
    });
    return pods.items;
  }

  it('runs a Job to Complete: Job -> Pod -> Running -> Succeeded', async () => {
    expect(env.workloads).toBe(true);
    await batch().createNamespacedJob({ namespace: env.namespace, body: job('ok') });
    const done = await vi.waitFor(async () => {
      const j = await batch().readNamespacedJobStatus({ name: 'ok', namespace: env.namespace });
      expect(condition(j, 'Complete')).toBeDefined();
      return j;
    }, patience);
    expect(done.status?.succeeded).toBe(1);
    const [pod] = await podsOf('ok');
    expect(pod?.spec?.nodeName).toBe('testenv-node');
    expect(pod?.status?.phase).toBe('Succeeded');
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
  });

  it('fails a Job with BackoffLimitExceeded when its pod exits non-zero', async () => {
    await batch().createNamespacedJob({
      namespace: env.namespace,
      body: job('broken', { [podControls.exitCode]: '3' }),
    });
    const failed = await vi.waitFor(async () => {
      const j = await batch().readNamespacedJobStatus({ name: 'broken', namespace: env.namespace });
      expect(condition(j, 'Failed')).toBeDefined();
      return j;
    }, patience);
    expect(condition(failed, 'Failed')?.reason).toBe('BackoffLimitExceeded');
    expect(condition(failed, 'Complete')).toBeUndefined();
    const [pod] = await podsOf('broken');
    expect(pod?.status?.phase).toBe('Failed');
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 3,
      reason: 'Error',
    });
  });

  it('retries a failing pod up to backoffLimit', async () => {
    await batch().createNamespacedJob({
      namespace: env.namespace,
      body: job('retried', { [podControls.exitCode]: '1' }, 1),
    });
    const failed = await vi.waitFor(async () => {
      const j = await batch().readNamespacedJobStatus({
        name: 'retried',
        namespace: env.namespace,
      });
      expect(condition(j, 'Failed')).toBeDefined();
      return j;
    }, patience);
    expect(failed.status?.failed).toBe(2);
  });

  it('keeps a pod Running for the requested seconds', async () => {
    const runSeconds = 4;
    await batch().createNamespacedJob({
      namespace: env.namespace,
      body: job('slow', { [podControls.runSeconds]: String(runSeconds) }),
    });
    await vi.waitFor(
      async () => {
        const [pod] = await podsOf('slow');
        expect(pod?.status?.phase).toBe('Running');
      },
      { timeout: patience.timeout, interval: 100 },
    );
    const runningSeen = Date.now();
    await vi.waitFor(
      async () => {
        const j = await batch().readNamespacedJobStatus({ name: 'slow', namespace: env.namespace });
        expect(condition(j, 'Complete')).toBeDefined();
      },
      { timeout: patience.timeout, interval: 100 },
    );
    // Seeing Running late only shortens the measured time, so this bound cannot pass by accident.
    expect(Date.now() - runningSeen).toBeGreaterThanOrEqual((runSeconds - 1) * 1000);
  });

  it('deletes a Job together with its pods', async () => {
    await batch().createNamespacedJob({
      namespace: env.namespace,
      body: job('doomed', { [podControls.runSeconds]: '600' }),
    });
    await vi.waitFor(async () => {
      const [pod] = await podsOf('doomed');
      expect(pod?.status?.phase).toBe('Running');
    }, patience);
    await batch().deleteNamespacedJob({
      name: 'doomed',
      namespace: env.namespace,
      propagationPolicy: 'Background',
    });
    await vi.waitFor(async () => expect(await podsOf('doomed')).toEqual([]), patience);
  });
});
