import { KubeConfig } from '@kubernetes/client-node';
import {
  kubernautConventions,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { KubeClient, type KubeObject, type Reader, type ResourceType } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { buildPipelineRun } from './pipeline-run-spec.js';
import { PipelineRunStateSchema, pipelineRunResult, TaskRunStateSchema } from './status.js';
import { cachedTaskRun } from './task-runs-read.js';
import { TektonExecutor } from './tekton-executor.js';

const namespace = 'workflows';

const wfe: WorkflowExecution = sampleExecution({
  spec: {
    workflowRef: { workflowId: 'restart-pod', version: '1', executionBundle: 'quay.io/acme/b:1' },
    executionEngine: 'tekton',
  },
});

/** A TaskRun as Tekton makes it for `run`: the run's labels, its own, and a full status. */
function childOf(run: KubeObject, task: string, succeeded: 'True' | 'False'): KubeObject {
  const name = `${run.metadata?.name}-${task}`;
  const taskRun = {
    apiVersion: 'tekton.dev/v1',
    kind: 'TaskRun',
    metadata: {
      name,
      namespace,
      uid: `${task}-uid`,
      resourceVersion: '7',
      creationTimestamp: '2026-12-03T09:59:58Z',
      labels: {
        ...run.metadata?.labels,
        'tekton.dev/pipelineRun': run.metadata?.name as string,
        'tekton.dev/pipelineTask': task,
      },
      managedFields: [{ manager: 'controller', operation: 'Update' }],
      ownerReferences: [{ kind: 'PipelineRun', name: run.metadata?.name, uid: 'run-uid' }],
    },
    spec: { taskRef: { name: task }, serviceAccountName: 'runner' },
    status: {
      conditions: [
        {
          type: 'Succeeded',
          status: succeeded,
          reason: succeeded === 'True' ? 'Succeeded' : 'Failed',
          message: succeeded === 'True' ? 'All Steps have completed executing' : 'step-run failed',
        },
      ],
      podName: `${name}-pod`,
      steps: [
        {
          name: 'run',
          container: 'step-run',
          terminationReason: succeeded === 'True' ? 'Completed' : 'Error',
          terminated: {
            exitCode: succeeded === 'True' ? 0 : 4,
            reason: succeeded === 'True' ? 'Completed' : 'Error',
            startedAt: '2026-12-03T10:00:00Z',
            finishedAt: '2026-12-03T10:00:09Z',
            containerID: 'containerd://abc',
            message: '[{"key":"out","value":"a long result","type":1}]',
          },
        },
      ],
      taskSpec: { steps: [{ name: 'run', image: 'busybox', script: 'exit 4' }] },
      provenance: { featureFlags: { enableAPIFields: 'beta' } },
    },
  };
  return taskRun as KubeObject;
}

function failedRunWithChildren(conventions = roundhouseConventions) {
  const built = buildPipelineRun(wfe, namespace, undefined, {
    conventions,
    serviceAccountName: 'runner',
    pipelineName: 'workflow',
  });
  const run: KubeObject = {
    ...built,
    metadata: { ...built.metadata, uid: 'run-uid' },
    status: {
      conditions: [{ type: 'Succeeded', status: 'False', reason: 'Failed', message: 'failed' }],
      childReferences: ['build', 'test'].map((task) => ({
        kind: 'TaskRun',
        name: `${built.metadata.name}-${task}`,
        pipelineTaskName: task,
      })),
    },
  };
  return { run, children: [childOf(run, 'build', 'True'), childOf(run, 'test', 'False')] };
}

/**
 * A controller's cache of `executor.reads`: it holds the transformed objects its selector
 * matches and answers only lists whose selector has every one of its terms; a get, or another
 * list, would be a request to the API server, which this one refuses.
 */
function cacheOf(executor: TektonExecutor, run: KubeObject, stored: KubeObject[]): Reader {
  const [read] = executor.reads;
  if (!read?.transform) throw new Error('the engine declares no cached read');
  const readTerms = read.labelSelector.split(',');
  const held = stored
    .filter((o) =>
      readTerms.every((term) => term.includes('=') || term in (o.metadata?.labels ?? {})),
    )
    .map((o) => read.transform?.(structuredClone(o)) as KubeObject);
  return {
    get: async <T extends KubeObject>(type: ResourceType) => {
      if (type.kind === 'PipelineRun') return structuredClone(run) as T;
      throw new Error(`a ${type.kind} read by name went to the API server`);
    },
    list: async <T extends KubeObject>(
      type: ResourceType,
      _ns: unknown,
      options?: { labelSelector?: string },
    ) => {
      const asked = options?.labelSelector?.split(',') ?? [];
      if (
        type.kind !== read.resource.kind ||
        type.group !== read.resource.group ||
        !readTerms.every((t) => asked.includes(t))
      )
        throw new Error(
          `a list of ${type.kind} by ${options?.labelSelector} went to the API server`,
        );
      const items = held.filter((o) =>
        asked.every((term) => {
          const [key, value] = term.split('=') as [string, string | undefined];
          const label = o.metadata?.labels?.[key];
          return value === undefined ? label !== undefined : label === value;
        }),
      );
      return { items: items as T[], resourceVersion: '1' };
    },
  };
}

describe("the tekton engine's cached TaskRuns", () => {
  it.each([
    ['roundhouse', roundhouseConventions],
    ['kubernaut', kubernautConventions],
  ])(
    'explains a failed run from the cache alone, with the %s conventions, as from the API server',
    async (_name, conventions) => {
      const { run, children } = failedRunWithChildren(conventions);
      const api = new KubeClient(new KubeConfig());
      const probe = new TektonExecutor(api, { conventions });
      const cache = cacheOf(probe, run, children);
      const executor = new TektonExecutor(api, { conventions, reader: cache });
      const fromCache = await executor.getStatus(wfe, namespace);
      const live = pipelineRunResult(
        run as never,
        children.map((c) => TaskRunStateSchema.parse(c)),
      );
      expect(fromCache).toMatchObject({
        phase: 'Failed',
        failureReason: 'TaskFailed',
        failedTaskName: `${run.metadata?.name}-test`,
        exitCode: 4,
        summary: { completedTasks: 1, totalTasks: 2 },
      });
      expect(fromCache?.message).toBe(live.message);
      expect(fromCache?.message).toContain('step run exited with code 4');
      expect(fromCache?.summary).toEqual(live.summary);
    },
  );

  it('keeps of a TaskRun only what the engine reads and the cache holds it by', () => {
    const { run } = failedRunWithChildren();
    const cached = cachedTaskRun(childOf(run, 'test', 'False')) as {
      metadata: object;
      status: object;
    };
    expect(Object.keys(cached).sort()).toEqual(['apiVersion', 'kind', 'metadata', 'status']);
    expect(Object.keys(cached.metadata).sort()).toEqual([
      'creationTimestamp',
      'labels',
      'name',
      'namespace',
      'resourceVersion',
      'uid',
    ]);
    expect(cached.status).toEqual({
      conditions: [
        { type: 'Succeeded', status: 'False', reason: 'Failed', message: 'step-run failed' },
      ],
      steps: [
        {
          name: 'run',
          container: 'step-run',
          terminationReason: 'Error',
          terminated: { exitCode: 4, reason: 'Error', startedAt: '2026-12-03T10:00:00Z' },
        },
      ],
    });
  });

  it('keeps what tells whether a task ran: a running step, when a step started, each earlier attempt', () => {
    const { run } = failedRunWithChildren();
    const live = childOf(run, 'build', 'False') as KubeObject & { status: Record<string, unknown> };
    const state = PipelineRunStateSchema.parse({
      status: {
        conditions: [{ type: 'Succeeded', status: 'False', reason: 'Failed' }],
        childReferences: [
          { kind: 'TaskRun', name: live.metadata?.name, pipelineTaskName: 'build' },
        ],
      },
    });
    const running = {
      ...live,
      status: {
        conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }],
        steps: [
          { name: 'run', container: 'step-run', running: { startedAt: '2026-12-03T10:00:00Z' } },
        ],
      },
    };
    expect((cachedTaskRun(running) as { status: { steps: unknown } }).status.steps).toEqual([
      { name: 'run', container: 'step-run', running: {} },
    ]);
    // Tekton ends the steps of a TaskRun it fails with the TaskRun's reason: one that ran keeps
    // its start, one that waited gets the TaskRun's creation.
    const ended = (startedAt: unknown) => ({
      exitCode: 1,
      reason: 'TaskRunImagePullFailed',
      startedAt,
      finishedAt: '2026-12-03T10:01:00Z',
      message: 'Step terminated as pod is terminated',
    });
    const pulled = (steps: unknown[], retriesStatus?: unknown[]) => ({
      ...live,
      status: {
        conditions: [{ type: 'Succeeded', status: 'False', reason: 'TaskRunImagePullFailed' }],
        steps,
        ...(retriesStatus ? { retriesStatus } : {}),
      },
    });
    const waiting = { name: 'run', terminated: ended(live.metadata?.creationTimestamp) };
    const cases = [
      // A step ran before the one whose image could not be pulled.
      [
        pulled([{ name: 'prepare', terminated: ended('2026-12-03T10:00:05Z') }, waiting]),
        'TaskFailed',
      ],
      // An earlier attempt, whose whole status Tekton kept, may have run.
      [pulled([waiting], [structuredClone(live.status)]), 'TaskFailed'],
      [pulled([waiting]), 'ImagePullBackOff'],
    ] as const;
    for (const [taskRun, failureReason] of cases) {
      const fromCache = pipelineRunResult(state, [
        TaskRunStateSchema.parse(cachedTaskRun(taskRun)),
      ]);
      expect(fromCache.failureReason).toBe(failureReason);
      expect(fromCache).toEqual(pipelineRunResult(state, [TaskRunStateSchema.parse(taskRun)]));
    }
    const retried = cachedTaskRun(pulled([waiting], [live.status, live.status])) as {
      status: Record<string, unknown>;
    };
    expect(retried.status.retriesStatus).toEqual([{}, {}]);
  });

  it('keeps a TaskRun of a shape it cannot read whole, for the engine to report', () => {
    const odd = { metadata: { name: 'x' }, status: { steps: 'not a list' } };
    expect(cachedTaskRun(odd)).toBe(odd);
    // A status that is no object at all: the parse of the cached copy fails as a live read's does.
    const noStatus = { metadata: { name: 'x' }, status: 'pending' };
    expect(cachedTaskRun(noStatus)).toBe(noStatus);
  });
});
