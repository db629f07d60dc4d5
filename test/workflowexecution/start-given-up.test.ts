import { Registry } from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it, vi } from 'vitest';
import { useController } from './controller-fixture.js';
import { manifest, patience } from './harness.js';

describeWithControlPlane('a start the engine gave up on', () => {
  const cluster = useController('wfe-givenup');
  const { client } = cluster;

  beforeAll(async () => {
    // No pod may be created here: every Job's pod is refused, as by a quota that is full.
    await client().create(resources.resourceQuotas, cluster.executionNamespace, {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'no-pods' },
      spec: { hard: { pods: '0' } },
    });
  });

  it('removes the Job as soon as the execution failed, so a quota freed later cannot run the workflow; the cooldown still holds the target', async () => {
    await cluster.start({
      registry: (reader) =>
        new Registry().register(new JobExecutor(client(), { reader, startupGraceMs: 500 })),
      cooldownMs: 600_000,
      resyncMs: 1_000,
    });
    const first = manifest();
    await cluster.apply(first);
    const failed = await cluster.waitForPhase(first.metadata.name, 'Failed');
    expect(failed.status?.failureDetails?.wasExecutionFailure).toBe(false);
    expect(failed.status?.failureDetails?.message).toContain('could not create its pod');
    await vi.waitFor(
      async () => expect(await cluster.jobsOf(first.metadata.name)).toEqual([]),
      patience,
    );

    const second = manifest({ target: first.spec.targetResource });
    await cluster.apply(second);
    await vi.waitFor(async () => {
      const waiting = await cluster.read(second.metadata.name);
      expect(waiting?.status?.conditions?.map((c) => c.reason)).toContain('CooldownActive');
    }, patience);
    expect(await cluster.jobsOf(second.metadata.name)).toEqual([]);
  });
});
