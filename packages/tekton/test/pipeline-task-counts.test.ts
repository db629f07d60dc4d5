import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import {
  type PipelineRunState,
  PipelineRunStateSchema,
  pipelineRunResult,
  TaskRunStateSchema,
} from '@roundhouse/tekton';
import {
  containerOutcomes,
  describeWithTekton,
  useTestNamespace,
} from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it, vi } from 'vitest';
import { patience, prepareNamespace } from './tekton.js';

/** A Task whose one step exits 0 on the fake node: Tekton copies its annotations onto the pod. */
const succeedingTask = (params: string[] = []) => ({
  metadata: { annotations: containerOutcomes({ 'step-run': {} }) },
  ...(params.length ? { params: params.map((name) => ({ name, type: 'string' })) } : {}),
  steps: [{ name: 'run', image: 'testenv.invalid/step:1', command: ['run'] }],
});

/** How Tekton itself fans out a matrix and records a skip, counted as the engine counts them. */
describeWithTekton('pipeline task counts with real Tekton Pipelines', () => {
  const env = useTestNamespace();
  let client: KubeClient;

  beforeAll(async () => {
    client = new KubeClient(env.kubeConfig);
    await prepareNamespace(client, env.namespace);
  });

  it('counts a matrixed task once and a task skipped by its when among the tasks', async () => {
    await client.create(resources.pipelineRuns, env.namespace, {
      metadata: { name: 'matrix' },
      spec: {
        taskRunTemplate: { serviceAccountName: 'default' },
        pipelineSpec: {
          tasks: [
            {
              name: 'build',
              matrix: { params: [{ name: 'arch', value: ['amd64', 'arm64', 's390x'] }] },
              taskSpec: succeedingTask(['arch']),
            },
            {
              name: 'test',
              when: [{ input: 'no', operator: 'in', values: ['yes'] }],
              taskSpec: succeedingTask(),
            },
            { name: 'deploy', runAfter: ['build'], taskSpec: succeedingTask() },
          ],
          finally: [{ name: 'report', taskSpec: succeedingTask() }],
        },
      },
    });
    const run = await vi.waitFor(async () => {
      const read = await client.get<KubeObject>(resources.pipelineRuns, env.namespace, 'matrix');
      const state: PipelineRunState = PipelineRunStateSchema.parse(read);
      expect(state.status?.completionTime).toBeTruthy();
      return state;
    }, patience);
    const { items } = await client.list<KubeObject>(resources.taskRuns, env.namespace, {
      labelSelector: 'tekton.dev/pipelineRun=matrix',
    });
    const result = pipelineRunResult(
      run,
      items.map((t) => TaskRunStateSchema.parse(t)),
    );
    // Five TaskRuns, four pipeline tasks, as Tekton's own message counts them.
    expect(run.status?.childReferences).toHaveLength(5);
    expect(result).toMatchObject({
      phase: 'Completed',
      reason: 'Completed',
      message: 'Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 1',
      summary: { completedTasks: 3, totalTasks: 4 },
    });
  });
});
