import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { beforeAll, expect, it, vi } from 'vitest';
import {
  describeWithTekton,
  podControls,
  type SimulatedWorkflow,
  useTestNamespace,
} from '../src/vitest/index.js';

const patience = { timeout: 90_000, interval: 250 };
const tekton = { group: 'tekton.dev', version: 'v1' };

interface Run {
  status?: {
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    results?: { name: string; value: string }[];
    steps?: { name: string; terminated?: { exitCode: number; reason?: string } }[];
  };
}

describeWithTekton('real Tekton Pipelines beside the control plane', () => {
  const env = useTestNamespace();
  const objects = () => env.kubeConfig.makeApiClient(CustomObjectsApi);

  beforeAll(async () => {
    // Tekton's bundle resolver reads the default ServiceAccount's pull secrets.
    await vi.waitFor(
      () =>
        env.kubeConfig
          .makeApiClient(CoreV1Api)
          .readNamespacedServiceAccount({ name: 'default', namespace: env.namespace }),
      patience,
    );
  });

  async function run(name: string, workflow: SimulatedWorkflow): Promise<void> {
    const bundle = await env.tekton.pushWorkflow(`testenv/${name}`, 'v1', workflow);
    await objects().createNamespacedCustomObject({
      ...tekton,
      namespace: env.namespace,
      plural: 'pipelineruns',
      body: {
        apiVersion: 'tekton.dev/v1',
        kind: 'PipelineRun',
        metadata: { name },
        spec: {
          pipelineRef: {
            resolver: 'bundles',
            params: [
              { name: 'bundle', value: bundle.reference },
              { name: 'name', value: 'workflow' },
              { name: 'kind', value: 'pipeline' },
            ],
          },
          params: [{ name: 'TARGET_RESOURCE', value: 'team-a/deployment/app' }],
        },
      },
    });
  }

  const get = (plural: string, name: string): Promise<Run> =>
    objects().getNamespacedCustomObject({ ...tekton, namespace: env.namespace, plural, name });

  const finished = (plural: string, name: string) =>
    vi.waitFor(async () => {
      const object = await get(plural, name);
      const succeeded = object.status?.conditions?.find((c) => c.type === 'Succeeded');
      expect(succeeded?.status).toMatch(/^(True|False)$/);
      return object;
    }, patience);

  it('runs a PipelineRun from a pushed bundle, with the step results the test chose', async () => {
    await run('results', {
      tasks: [{ name: 'build', steps: [{ name: 'compile', results: { image: 'app:2' } }] }],
    });
    expect((await finished('pipelineruns', 'results')).status?.conditions?.[0]).toMatchObject({
      status: 'True',
      reason: 'Succeeded',
    });
    expect((await get('taskruns', 'results-build')).status?.results).toEqual([
      { name: 'image', type: 'string', value: 'app:2' },
    ]);
  });

  it('fails the TaskRun on the step that exits non-zero, with its code', async () => {
    await run('fails', {
      tasks: [{ name: 'test', steps: [{ name: 'unit' }, { name: 'lint', exitCode: 3 }] }],
    });
    expect((await finished('taskruns', 'fails-test')).status).toMatchObject({
      conditions: [
        { status: 'False', reason: 'StepFailed', message: '"step-lint" exited with code 3: Error' },
      ],
      steps: [
        { name: 'unit', terminated: { exitCode: 0, reason: 'Completed' } },
        { name: 'lint', terminated: { exitCode: 3, reason: 'Error' } },
      ],
    });
  });

  it('keeps a held task running until the test ends its pod', async () => {
    await run('held', { tasks: [{ name: 'wait', hold: true }] });
    const core = env.kubeConfig.makeApiClient(CoreV1Api);
    const pod = await vi.waitFor(async () => {
      const [found] = (
        await core.listNamespacedPod({
          namespace: env.namespace,
          labelSelector: 'tekton.dev/pipelineRun=held',
        })
      ).items;
      expect(found?.status?.phase).toBe('Running');
      return found;
    }, patience);
    expect((await get('pipelineruns', 'held')).status?.conditions?.[0]?.status).toBe('Unknown');
    await core.patchNamespacedPod(
      {
        name: pod?.metadata?.name ?? '',
        namespace: env.namespace,
        body: { metadata: { annotations: { [podControls.exitCode]: '7' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect((await finished('taskruns', 'held-wait')).status?.steps?.[0]?.terminated?.exitCode).toBe(
      7,
    );
  });
});
