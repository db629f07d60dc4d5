import { KubeClient, resources } from '@roundhouse/kube';
import { TektonExecutor } from '@roundhouse/tekton';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { makeExecution } from './drive.js';
import { standInPipelineRunCrd } from './stand-in-crd.js';

/**
 * A cluster that serves PipelineRuns but runs no Tekton controller: a stand-in PipelineRun CRD
 * in a group of its own, which no controller watches (the tekton.dev one has real Tekton's, or
 * other test files playing it).
 */
const standInGroup = 'no-controller.tekton.roundhouse.test';
const standInCrd = standInPipelineRunCrd(standInGroup);

describeWithControlPlane('tekton engine without a Tekton controller', () => {
  const env = useTestNamespace();
  let client: KubeClient;

  beforeAll(async () => {
    client = new KubeClient(env.kubeConfig);
    await client.create(resources.customResourceDefinitions, undefined, standInCrd);
  });

  afterAll(async () => {
    await client?.delete(resources.customResourceDefinitions, undefined, standInCrd.metadata.name);
  });

  it('fails a PipelineRun no controller writes a status for once the grace has passed, saying why', async () => {
    const executor = new TektonExecutor(client, { apiGroup: standInGroup });
    const wfe = makeExecution();
    await vi.waitFor(() => executor.create(wfe, env.namespace), { timeout: 60_000, interval: 200 });
    expect(await executor.getStatus(wfe, env.namespace)).toMatchObject({
      phase: 'Running',
      reason: 'Pending',
    });
    const impatient = new TektonExecutor(client, {
      apiGroup: standInGroup,
      controllerGraceMs: 1_000,
    });
    const result = await vi.waitFor(
      async () => {
        const status = await impatient.getStatus(wfe, env.namespace);
        expect(status?.phase).toBe('Failed');
        return status;
      },
      { timeout: 30_000, interval: 250 },
    );
    expect(result).toMatchObject({
      reason: 'StartFailed',
      message: `no Tekton controller has written this PipelineRun's status in the 1s since it was created: is Tekton Pipelines installed, and its controller (tekton-pipelines-controller) running and watching namespace ${env.namespace}?`,
      failureReason: 'ConfigurationError',
      started: false,
    });
  });
});
