import { KubeConfig } from '@kubernetes/client-node';
import { roundhouseConventions } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import {
  KubeClient,
  type KubeObject,
  KubernetesApiError,
  type ResourceType,
} from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { buildPipelineRun } from './pipeline-run-spec.js';
import { TektonExecutor } from './tekton-executor.js';

const wfe = sampleExecution({});
const namespace = 'workflows';
const built = buildPipelineRun(wfe, namespace, undefined, {
  conventions: roundhouseConventions,
  serviceAccountName: 'runner',
  pipelineName: 'workflow',
});
const runName = built.metadata?.name as string;

/** A child of the run: its reference, and the object as the API server holds it. */
function child(kind: 'TaskRun' | 'CustomRun', task: string, succeeded: string, runUid = 'run-uid') {
  const name = `${runName}-${task}`;
  return {
    ref: {
      apiVersion: kind === 'TaskRun' ? 'tekton.dev/v1' : 'tekton.dev/v1beta1',
      kind,
      name,
      pipelineTaskName: task,
    },
    object: {
      kind,
      metadata: {
        name,
        namespace,
        labels: { 'tekton.dev/pipelineRun': runName, 'tekton.dev/pipelineRunUID': runUid },
      },
      status: { conditions: [{ type: 'Succeeded', status: succeeded, reason: 'R' }] },
    },
  };
}

/** The run ended with `succeeded` and these children, as an API server that answers `get`s of them (a CustomRun read refused when `refused`). */
function holding(succeeded: string, children: ReturnType<typeof child>[], refused = false) {
  const run = {
    ...built,
    metadata: { ...built.metadata, uid: 'run-uid', creationTimestamp: '2026-01-01T00:00:00Z' },
    status: {
      conditions: [{ type: 'Succeeded', status: succeeded, reason: 'Done' }],
      startTime: '2026-01-01T00:00:00Z',
      completionTime: '2026-01-01T00:01:00Z',
      childReferences: children.map((c) => c.ref),
    },
  };
  const objects = children.map((c) => c.object);
  const reads: string[] = [];
  const server = Object.assign(new KubeClient(new KubeConfig()), {
    get: async <T extends KubeObject>(type: ResourceType, _ns: unknown, name: string) => {
      if (type.kind === 'PipelineRun') return structuredClone(run) as unknown as T;
      reads.push(`${type.group}/${type.version} ${type.kind} ${name}`);
      if (type.kind === 'CustomRun' && refused)
        throw new KubernetesApiError('Forbidden', 'customruns.tekton.dev is forbidden', 403);
      return (structuredClone(
        objects.find((o) => o.kind === type.kind && o.metadata.name === name),
      ) ?? null) as unknown as T;
    },
    list: async <T extends KubeObject>(type: ResourceType) => ({
      items: structuredClone(objects.filter((o) => o.kind === type.kind)) as unknown as T[],
      resourceVersion: '1',
    }),
  });
  return { server, reads };
}

describe('TektonExecutor.getStatus of a finished run with custom tasks', () => {
  it('counts the CustomRuns that succeeded among its completed tasks, as Tekton does', async () => {
    const { server, reads } = holding('True', [
      child('TaskRun', 'build', 'True'),
      child('CustomRun', 'approve', 'True'),
      child('CustomRun', 'notify', 'False'),
    ]);
    expect((await new TektonExecutor(server).getStatus(wfe, namespace))?.summary).toMatchObject({
      completedTasks: 2,
      totalTasks: 3,
    });
    expect(reads).toContain(`tekton.dev/v1beta1 CustomRun ${runName}-approve`);
  });

  it('counts a matrixed custom task once, and only when each of its CustomRuns succeeded', async () => {
    const ofTask = (c: ReturnType<typeof child>, task: string) => ({
      ...c,
      ref: { ...c.ref, pipelineTaskName: task },
    });
    const { server } = holding('False', [
      ofTask(child('CustomRun', 'approve-0', 'True'), 'approve'),
      ofTask(child('CustomRun', 'approve-1', 'True'), 'approve'),
      ofTask(child('CustomRun', 'notify-0', 'True'), 'notify'),
      ofTask(child('CustomRun', 'notify-1', 'False'), 'notify'),
    ]);
    expect((await new TektonExecutor(server).getStatus(wfe, namespace))?.summary).toMatchObject({
      completedTasks: 1,
      totalTasks: 2,
    });
  });

  it("does not count an earlier run's CustomRun of the same name", async () => {
    const { server } = holding('True', [child('CustomRun', 'approve', 'True', 'earlier-uid')]);
    expect((await new TektonExecutor(server).getStatus(wfe, namespace))?.summary).toMatchObject({
      completedTasks: 0,
      totalTasks: 1,
    });
  });

  it('still reports the verdict when its CustomRuns cannot be read, counting only what was', async () => {
    const { server } = holding(
      'False',
      [child('TaskRun', 'build', 'True'), child('CustomRun', 'approve', 'True')],
      true,
    );
    expect(await new TektonExecutor(server).getStatus(wfe, namespace)).toMatchObject({
      phase: 'Failed',
      summary: { completedTasks: 1, totalTasks: 2 },
    });
  });

  it('reads no CustomRun while the run is running: only a final summary is recorded', async () => {
    const { server, reads } = holding('Unknown', [child('CustomRun', 'approve', 'True')]);
    expect((await new TektonExecutor(server).getStatus(wfe, namespace))?.phase).toBe('Running');
    expect(reads).toEqual([]);
  });
});
