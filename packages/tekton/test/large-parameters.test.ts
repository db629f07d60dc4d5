import { ConfigurationError, executionResourceName } from '@roundhouse/core';
import { KubeClient, resources } from '@roundhouse/kube';
import { TektonExecutor } from '@roundhouse/tekton';
import {
  describeWithTekton,
  type SimulatedWorkflow,
  simulatedWorkflow,
  type TektonObject,
  useTestNamespace,
} from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it } from 'vitest';
import { makeExecution } from './drive.js';
import { finished, prepareNamespace } from './tekton.js';

/**
 * Tekton stores a parameter again wherever its Pipeline uses it (the run's `status.pipelineSpec`,
 * the TaskRun's `status.taskSpec`), so a run can be created that Tekton can never record.
 */
describeWithTekton('TektonExecutor with parameters near the size the API server stores', () => {
  const env = useTestNamespace();
  let client: KubeClient;
  let executor: TektonExecutor;
  let bundle: string;

  beforeAll(async () => {
    client = new KubeClient(env.kubeConfig);
    executor = new TektonExecutor(client);
    await prepareNamespace(client, env.namespace);
    const repository = 'tekton-tests/passes-a-parameter';
    const workflow: SimulatedWorkflow = {
      params: ['TARGET_RESOURCE', 'BIG'],
      tasks: [{ name: 'apply' }],
    };
    // A Pipeline that passes BIG to its task, whose step takes it as an argument.
    const [pipeline, task] = simulatedWorkflow(
      `${env.tekton.registry}/${repository}:v1`,
      workflow,
    ) as unknown as [PipelineObject, TaskObject];
    const tasks = pipeline.spec.tasks.map((t) => ({
      ...t,
      params: [{ name: 'BIG', value: '$(params.BIG)' }],
    }));
    const steps = task.spec.steps.map((s) => ({ ...s, args: ['$(params.BIG)'] }));
    const objects = [
      { ...pipeline, spec: { ...pipeline.spec, tasks } },
      { ...task, spec: { ...task.spec, params: [{ name: 'BIG', type: 'string' }], steps } },
    ];
    bundle = (await env.tekton.pushBundle(repository, 'v1', objects)).reference;
  });

  const withBig = (bytes: number) =>
    makeExecution({ bundle, spec: { parameters: { BIG: 'x'.repeat(bytes) } } });

  it('runs a parameter that fits twice (650 KB) to Completed', async () => {
    const wfe = withBig(650_000);
    await executor.create(wfe, env.namespace);
    expect(await finished(executor, wfe, env.namespace)).toMatchObject({ phase: 'Completed' });
  });

  it('refuses one Tekton could not record (900 KB) before creating anything', async () => {
    const wfe = withBig(900_000);
    const create = executor.create(wfe, env.namespace);
    await expect(create).rejects.toBeInstanceOf(ConfigurationError);
    await expect(create).rejects.toThrow(/^spec\.parameters: make a PipelineRun of at least/);
    expect(
      await client.get(
        resources.pipelineRuns,
        env.namespace,
        executionResourceName(wfe.spec.targetResource),
      ),
    ).toBeNull();
  });
});

type PipelineObject = TektonObject & { spec: { tasks: Record<string, unknown>[] } };
type TaskObject = TektonObject & { spec: { steps: Record<string, unknown>[] } };
