import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, type Reader, resources } from '@roundhouse/kube';
import { describeWithControlPlane, podControls } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import { interceptJobCreates } from '../../../test/workflowexecution/client-intercepts.js';
import { useController } from '../../../test/workflowexecution/controller-fixture.js';
import { manifest, patience } from '../../../test/workflowexecution/harness.js';

/*
 * A Job deleted by its TTL while no controller ran is read from its Events, matched to the
 * execution by the execution's start (red team h374 F1). The start must be the Job's creation
 * on the cluster's clock: the create's answer, and so the Running write, may come seconds
 * after the API server made the Job and its controller recorded its first Event.
 */
describeWithControlPlane(
  'WorkflowExecution whose Job the TTL removed, created by a slow answer',
  () => {
    const cluster = useController('wfe-vanished-slow');
    const { env } = cluster;
    // Jobs that run a few seconds and are removed a second after they finish.
    const registry = (client: KubeClient) => (reader: Reader) =>
      new Registry().register(
        new JobExecutor(client, {
          podAnnotations: { [podControls.runSeconds]: '6' },
          ttlSecondsAfterFinished: 1,
          reader,
        }),
      );

    it('is Completed after a restart past the TTL of the Job that succeeded', async () => {
      // The API server makes the Job at once; its answer reaches the controller 4 s later.
      const slow = interceptJobCreates(env.kubeConfig, async (send) => {
        const created = await send();
        await sleep(4_000);
        return created;
      });
      const first = await cluster.start({
        registry: registry(slow),
        cooldownMs: 60_000,
      });
      const wfe = manifest();
      await cluster.apply(wfe);
      const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
      const ref = running.status?.executionRef?.name as string;
      await first.stop();
      // The Job runs, succeeds, and its TTL removes it while no controller runs.
      const admin = cluster.client();
      await vi.waitFor(async () => {
        expect(await admin.get(resources.jobs, cluster.executionNamespace, ref)).toBeNull();
      }, patience);

      await cluster.start({
        registry: registry(new KubeClient(env.kubeConfig)),
        cooldownMs: 60_000,
      });

      const done = await vi.waitFor(async () => {
        const now = await cluster.read(wfe.metadata.name);
        expect(['Completed', 'Failed']).toContain(now?.status?.phase);
        return now;
      }, patience);
      expect(done?.status?.failureDetails).toBeUndefined();
      expect(done?.status?.phase).toBe('Completed');
    });
  },
);
