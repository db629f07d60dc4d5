import { resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import { useController } from './controller-fixture.js';
import { condition, jobRegistry, manifest, patience } from './harness.js';

interface Pod {
  metadata?: { uid?: string; ownerReferences?: { controller?: boolean }[] };
  status?: { phase?: string };
}

/**
 * Red team h374 F2: an execution's Job deleted with `propagationPolicy: Orphan` (`kubectl delete
 * job --cascade=orphan`) leaves its pod running, owned by nothing. The execution fails
 * (ExecutionResourceDeleted); its cleanup must not release the target while that pod may still
 * act on it, or the next execution's workflow runs beside it.
 */
describeWithControlPlane('WorkflowExecution whose Job was deleted orphaning its pod', () => {
  const cluster = useController('wfe-orphan');
  const { env } = cluster;

  it('deletes the orphaned pod before it releases the lock', async () => {
    await cluster.start({
      registry: jobRegistry(env.kubeConfig, { runSeconds: 600 }),
      cooldownMs: 1_000,
    });
    const first = await cluster.apply(manifest({ target: 'prod/deployment/orphaned' }));
    const running = await cluster.waitForPhase(first.metadata.name, 'Running');
    const job = running.status?.executionRef?.name as string;
    const admin = cluster.client();
    const podsOf = async () =>
      (
        await admin.list(resources.pods, cluster.executionNamespace, {
          labelSelector: `batch.kubernetes.io/job-name=${job}`,
        })
      ).items as Pod[];
    const pod = await vi.waitFor(async () => {
      const [found] = await podsOf();
      expect(found?.status?.phase).toBe('Running');
      return found as Pod;
    }, patience);
    await admin.delete(resources.jobs, cluster.executionNamespace, job, {
      propagationPolicy: 'Orphan',
    });

    const failed = await cluster.waitForPhase(first.metadata.name, 'Failed');
    expect(failed.status?.failureDetails?.reason).toBe('ExecutionResourceDeleted');
    await vi.waitFor(async () => {
      const now = await cluster.read(first.metadata.name);
      expect(now && condition(now, 'LockReleased')?.status).toBe('True');
    }, patience);
    const left = (await podsOf()).map((p) => p.metadata?.uid);
    expect(left).not.toContain(pod.metadata?.uid);
  });
});
