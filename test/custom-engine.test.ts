import { executionResourceName, Registry } from '@roundhouse/core';
import { describeExecutorConformance } from '@roundhouse/core/testing/conformance';
import { KubeClient, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigMapExecutor } from './support/configmap-engine.js';
import { freshExecutions } from './support/executions.js';
import { waitForRelease } from './support/lock.js';
import {
  apply,
  manifest,
  type RunningController,
  startController,
  waitForPhase,
} from './workflowexecution/harness.js';

/** Plays the engine: writes what the execution reports into its ConfigMap. */
async function report(
  client: KubeClient,
  namespace: string,
  name: string,
  data: Record<string, string>,
): Promise<void> {
  await client.patch(resources.configMaps, namespace, name, { data }, { strategy: 'merge' });
}

describeWithControlPlane('a new engine, written as one package and registered', () => {
  const env = useTestNamespace({ prefix: 'custom-engine' });
  const client = () => new KubeClient(env.kubeConfig);

  describeExecutorConformance('configmap', () => ({
    executor: new ConfigMapExecutor(client()),
    namespace: env.namespace,
    makeExecution: freshExecutions('configmap'),
    driveToSuccess: (_wfe, name) => report(client(), env.namespace, name, { phase: 'Completed' }),
    driveToFailure: (_wfe, name) =>
      report(client(), env.namespace, name, { phase: 'Failed', failureReason: 'TaskFailed' }),
  }));

  describe('driven by the WorkflowExecution controller', () => {
    let executionNamespace: string;
    let controller: RunningController;

    beforeAll(async () => {
      executionNamespace = await env.controlPlane.createNamespace('custom-engine-exec');
      controller = await startController({
        kubeConfig: env.kubeConfig,
        // The controller's cache is the engine's reader: status comes from what the watch saw.
        registry: (reader) => new Registry().register(new ConfigMapExecutor(client(), { reader })),
        watchNamespace: env.namespace,
        executionNamespace,
        cooldownMs: 2_000,
        // Neither a resync nor a poll comes within the test's patience: only events can wake it.
        resyncMs: 600_000,
        pollIntervalMs: { initial: 600_000, max: 600_000 },
      });
    });

    afterAll(async () => controller?.stop());

    it('follows its ConfigMap from Running to Completed, then deletes it to release the lock', async () => {
      const wfe = await apply(client(), env.namespace, manifest({ engine: 'configmap' }));
      const running = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Running');
      const name = running.status?.executionRef?.name as string;
      expect(name).toBe(executionResourceName(wfe.spec.targetResource));
      const configMap = await client().get(resources.configMaps, executionNamespace, name);
      expect(configMap?.metadata?.labels).toMatchObject({
        'roundhouse.dev/workflow-execution': wfe.metadata.name,
        'roundhouse.dev/source-namespace': env.namespace,
        'roundhouse.dev/execution-engine': 'configmap',
      });

      await report(client(), executionNamespace, name, {
        phase: 'Completed',
        message: 'restarted 3 of 3 pods',
      });
      const done = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Completed');
      expect(done.status?.executionStatus?.status).toBe('True');
      expect(done.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(done.status?.conditions?.find((c) => c.type === 'ExecutionRunning')?.message).toBe(
        'restarted 3 of 3 pods',
      );

      await waitForRelease(client(), env.namespace, wfe.metadata.name, {
        type: resources.configMaps,
        namespace: executionNamespace,
        name,
      });
    });

    it('reports a failure with the reason and message the engine gave', async () => {
      const wfe = await apply(client(), env.namespace, manifest({ engine: 'configmap' }));
      const running = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Running');
      await report(client(), executionNamespace, running.status?.executionRef?.name as string, {
        phase: 'Failed',
        failureReason: 'OOMKilled',
        message: 'the restart job ran out of memory',
      });
      const failed = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Failed');
      expect(failed.status?.failureDetails).toMatchObject({
        reason: 'OOMKilled',
        message: 'the restart job ran out of memory',
        wasExecutionFailure: true,
      });
      expect(failed.status?.executionStatus?.status).toBe('False');
    });

    it('refuses a second execution on a busy target as Deduplicated', async () => {
      const target = 'prod/deployment/custom-engine-locked';
      const first = await apply(client(), env.namespace, manifest({ engine: 'configmap', target }));
      await waitForPhase(client(), env.namespace, first.metadata.name, 'Running');
      const second = await apply(
        client(),
        env.namespace,
        manifest({ engine: 'configmap', target }),
      );
      const failed = await waitForPhase(client(), env.namespace, second.metadata.name, 'Failed');
      expect(failed.status?.failureDetails).toMatchObject({
        reason: 'Deduplicated',
        wasExecutionFailure: false,
      });
      expect(failed.status?.failureDetails?.message).toContain(first.metadata.name);
    });
  });
});
