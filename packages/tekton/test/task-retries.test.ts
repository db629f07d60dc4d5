import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import {
  explainStuckStart,
  PipelineRunStateSchema,
  TaskRunStateSchema,
  TektonExecutor,
} from '@roundhouse/tekton';
import { describeWithTekton, useTestNamespace } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it, vi } from 'vitest';
import { finishTaskPod, patience, prepareNamespace, runningTaskPod } from './tekton.js';

type TaskRunObject = KubeObject & {
  status?: {
    conditions?: { type: string; status: string; reason?: string }[];
    retriesStatus?: unknown[];
  };
};

/**
 * What real Tekton writes on a TaskRun it retries (a pipeline task's `retries`): the Pipeline
 * comes inline, since the bundles the tests push declare none.
 */
describeWithTekton('a TaskRun Tekton retries', () => {
  const env = useTestNamespace();
  let client: KubeClient;

  beforeAll(async () => {
    client = new KubeClient(env.kubeConfig);
    await prepareNamespace(client, env.namespace);
  });

  it('is no run that cannot start when its retry meets a quota: its first attempt ran', async () => {
    const run = 'retried';
    await client.create(resources.pipelineRuns, env.namespace, {
      metadata: { name: run },
      spec: {
        pipelineSpec: {
          tasks: [
            {
              name: 'work',
              retries: 1,
              // No outcome annotation: the pod runs until the test ends it (finishTaskPod).
              taskSpec: {
                steps: [{ name: 'run', image: 'testenv.invalid/step:1', command: ['run'] }],
              },
            },
          ],
        },
        timeouts: { pipeline: '5m' },
      },
    });
    const taskRunName = `${run}-work`;
    // The first attempt's pod runs; then a quota refuses every new pod, and the attempt fails.
    await runningTaskPod(client, env.namespace, run);
    await client.create(resources.resourceQuotas, env.namespace, {
      metadata: { name: 'no-more-pods' },
      spec: { hard: { pods: '0' } },
    });
    await vi.waitFor(async () => {
      const quota = await client.get<KubeObject & { status?: { hard?: unknown } }>(
        resources.resourceQuotas,
        env.namespace,
        'no-more-pods',
      );
      expect(quota?.status?.hard).toBeDefined();
    }, patience);
    await finishTaskPod(client, env.namespace, run, 1);

    const retried = await vi.waitFor(async () => {
      const taskRun = await client.get<TaskRunObject>(
        resources.taskRuns,
        env.namespace,
        taskRunName,
      );
      expect(taskRun?.status?.retriesStatus).toHaveLength(1);
      expect(taskRun?.status?.conditions).toContainEqual(
        expect.objectContaining({
          type: 'Succeeded',
          status: 'Unknown',
          reason: 'ExceededResourceQuota',
        }),
      );
      return taskRun as TaskRunObject;
    }, patience);
    const pipelineRun = PipelineRunStateSchema.parse(
      await client.get(resources.pipelineRuns, env.namespace, run),
    );

    expect(explainStuckStart(pipelineRun, [TaskRunStateSchema.parse(retried)])).toBeUndefined();
    const [read] = new TektonExecutor(client).reads;
    const cached = read?.transform?.(structuredClone(retried));
    expect(explainStuckStart(pipelineRun, [TaskRunStateSchema.parse(cached)])).toBeUndefined();
    // Only the earlier attempt tells: the same TaskRun without it reads as one that cannot start.
    const { retriesStatus: _, ...withoutAttempts } = retried.status ?? {};
    const firstAttempt = { ...retried, status: { ...withoutAttempts, steps: [] } };
    expect(explainStuckStart(pipelineRun, [TaskRunStateSchema.parse(firstAttempt)])).toMatchObject({
      reason: 'ResourceExhausted',
      taskRunName,
    });
  });
});
