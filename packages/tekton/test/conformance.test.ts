import { describeExecutorConformance } from '@roundhouse/core/testing';
import { KubeClient } from '@roundhouse/kube';
import { TektonExecutor } from '@roundhouse/tekton';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { beforeAll } from 'vitest';
import { makeExecution, setPipelineRunStatus } from './drive.js';

describeWithControlPlane('tekton engine', () => {
  const env = useTestNamespace();
  let client: KubeClient;

  beforeAll(async () => {
    await env.installTektonCrds();
    client = new KubeClient(env.kubeConfig);
  });

  describeExecutorConformance('tekton', () => ({
    executor: new TektonExecutor(client),
    namespace: env.namespace,
    makeExecution,
    driveToSuccess: (_wfe, name) =>
      setPipelineRunStatus(client, env.namespace, name, {
        status: 'True',
        reason: 'Succeeded',
        message: 'Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0',
      }),
    driveToFailure: (_wfe, name) =>
      setPipelineRunStatus(client, env.namespace, name, {
        status: 'False',
        reason: 'Failed',
        message: 'Tasks Completed: 1 (Failed: 1, Cancelled 0), Skipped: 0',
      }),
  }));
});
