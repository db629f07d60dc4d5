import { Registry } from '@roundhouse/core';
import { KubeClient, resources } from '@roundhouse/kube';
import { TektonExecutor } from '@roundhouse/tekton';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  apply,
  manifest,
  type RunningController,
  startController,
  waitForPhase,
} from './harness.js';

/** Writes what the Tekton controller would: the PipelineRun's Succeeded condition. */
async function setSucceeded(
  client: KubeClient,
  namespace: string,
  name: string,
  status: string,
  reason: string,
) {
  await client.patch(
    resources.pipelineRuns,
    namespace,
    name,
    {
      status: {
        conditions: [
          {
            type: 'Succeeded',
            status,
            reason,
            message: `${reason} (set by the test)`,
            lastTransitionTime: new Date().toISOString(),
          },
        ],
      },
    },
    { subresource: 'status' },
  );
}

describeWithControlPlane('WorkflowExecution controller with the tekton engine', () => {
  const env = useTestNamespace({ prefix: 'wfe-tekton' });
  let executionNamespace: string;
  let controller: RunningController;
  const client = () => new KubeClient(env.kubeConfig);

  beforeAll(async () => {
    await env.installTektonCrds();
    executionNamespace = await env.controlPlane.createNamespace('wfe-tekton-exec');
    controller = await startController({
      kubeConfig: env.kubeConfig,
      registry: new Registry().register(new TektonExecutor(client())),
      watchNamespace: env.namespace,
      executionNamespace,
      resyncMs: 600_000,
    });
  });

  afterAll(async () => controller?.stop());

  it('follows a PipelineRun to Completed as its status changes', async () => {
    const wfe = await apply(client(), env.namespace, manifest({ engine: 'tekton' }));
    const running = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Running');
    const run = running.status?.executionRef?.name as string;
    await setSucceeded(client(), executionNamespace, run, 'Unknown', 'Running');
    await setSucceeded(client(), executionNamespace, run, 'True', 'Succeeded');
    const done = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Completed');
    expect(done.status?.executionStatus?.status).toBe('True');
  });

  it('classifies a timed-out PipelineRun as DeadlineExceeded', async () => {
    const wfe = await apply(client(), env.namespace, manifest({ engine: 'tekton' }));
    const running = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Running');
    await setSucceeded(
      client(),
      executionNamespace,
      running.status?.executionRef?.name as string,
      'False',
      'PipelineRunTimeout',
    );
    const failed = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'DeadlineExceeded',
      wasExecutionFailure: true,
    });
  });
});
