import { Registry } from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterEach, beforeAll, expect, it, vi } from 'vitest';
import {
  apply,
  jobsOf,
  manifest,
  patience,
  type RunningController,
  read,
  startController,
  waitForPhase,
} from './harness.js';

describeWithControlPlane('a start the engine gave up on', () => {
  const env = useTestNamespace({ prefix: 'wfe-givenup' });
  let executionNamespace: string;
  let running: RunningController | undefined;
  const client = () => new KubeClient(env.kubeConfig);

  beforeAll(async () => {
    executionNamespace = await env.controlPlane.createNamespace('wfe-givenup-exec');
    // No pod may be created here: every Job's pod is refused, as by a quota that is full.
    await client().create(resources.resourceQuotas, executionNamespace, {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'no-pods' },
      spec: { hard: { pods: '0' } },
    });
  });

  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('removes the Job as soon as the execution failed, so a quota freed later cannot run the workflow; the cooldown still holds the target', async () => {
    running = await startController({
      kubeConfig: env.kubeConfig,
      registry: (reader) =>
        new Registry().register(new JobExecutor(client(), { reader, startupGraceMs: 500 })),
      watchNamespace: env.namespace,
      executionNamespace,
      cooldownMs: 600_000,
      resyncMs: 1_000,
    });
    const first = manifest();
    await apply(client(), env.namespace, first);
    const failed = await waitForPhase(client(), env.namespace, first.metadata.name, 'Failed');
    expect(failed.status?.failureDetails?.wasExecutionFailure).toBe(false);
    expect(failed.status?.failureDetails?.message).toContain('could not create its pod');
    await vi.waitFor(
      async () =>
        expect(await jobsOf(client(), executionNamespace, first.metadata.name)).toEqual([]),
      patience,
    );

    const second = manifest({ target: first.spec.targetResource });
    await apply(client(), env.namespace, second);
    await vi.waitFor(async () => {
      const waiting = await read(client(), env.namespace, second.metadata.name);
      expect(waiting?.status?.conditions?.map((c) => c.reason)).toContain('CooldownActive');
    }, patience);
    expect(await jobsOf(client(), executionNamespace, second.metadata.name)).toEqual([]);
  });
});
