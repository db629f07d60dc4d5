import { KubeConfig } from '@kubernetes/client-node';
import { roundhouseConventions } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { KubeClient, type KubeObject, type ResourceType } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { FinallyRunningError } from './graceful-finally.js';
import { buildPipelineRun } from './pipeline-run-spec.js';
import { TektonExecutor } from './tekton-executor.js';

const wfe = sampleExecution({});
const namespace = 'workflows';
const built = buildPipelineRun(wfe, namespace, undefined, {
  conventions: roundhouseConventions,
  serviceAccountName: 'runner',
  pipelineName: 'workflow',
});
const parentName = built.metadata.name;

/** The execution's run, started a minute ago, with `spec.status` `specStatus`. */
function parent(specStatus: string | undefined): KubeObject {
  const started = new Date(Date.now() - 60_000).toISOString();
  return {
    ...built,
    metadata: { ...built.metadata, uid: 'parent-uid', creationTimestamp: started },
    spec: { ...built.spec, ...(specStatus ? { status: specStatus } : {}) },
    status: {
      conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'CancelledRunningFinally' }],
      startTime: started,
      finallyStartTime: started,
      childReferences: [
        { kind: 'PipelineRun', name: `${parentName}-release`, pipelineTaskName: 'release' },
      ],
    },
  };
}

/**
 * The child PipelineRun Tekton creates for the parent's pipeline task `release` (its finally):
 * the parent's labels and annotations, the execution's among them, and Tekton's own.
 */
const child: KubeObject = {
  apiVersion: 'tekton.dev/v1',
  kind: 'PipelineRun',
  metadata: {
    name: `${parentName}-release`,
    namespace,
    uid: 'child-uid',
    labels: {
      ...built.metadata.labels,
      'tekton.dev/pipelineRun': parentName,
      'tekton.dev/pipelineRunUID': 'parent-uid',
      'tekton.dev/pipelineTask': 'release',
    },
    annotations: { ...built.metadata.annotations },
  },
  spec: { pipelineSpec: { tasks: [] } },
  status: { conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }] },
};

/** An API server holding `stored` (the parent, under its name) and nothing else of the run. */
function holding(stored: KubeObject | null) {
  return Object.assign(new KubeClient(new KubeConfig()), {
    get: async <T extends KubeObject>(_type: ResourceType, _ns: unknown, name: string) =>
      (name === parentName ? structuredClone(stored) : null) as T | null,
    list: async <T extends KubeObject>() => ({ items: [] as T[], resourceVersion: '1' }),
  });
}

describe("TektonExecutor.finallyRunning of a child PipelineRun, which carries its execution's labels", () => {
  it("holds it while its parent runs a graceful cancel's finally, asked directly or by the watch", async () => {
    const executor = new TektonExecutor(holding(parent('CancelledRunFinally')));
    expect(await executor.finallyRunning(child)).toBeInstanceOf(FinallyRunningError);
    const [watch] = executor.watches;
    expect(await watch?.deletionPending?.(child)).toBeInstanceOf(FinallyRunningError);
  });

  it('lets it go with a parent that waits for nothing, is gone, or is another run of the name', async () => {
    const replaced = { ...parent('CancelledRunFinally'), metadata: { name: parentName, uid: 'x' } };
    for (const [what, stored] of [
      ['not cancelled gracefully', parent(undefined)],
      ['gone', null],
      ['replaced', replaced],
    ] as const) {
      const executor = new TektonExecutor(holding(stored));
      expect(await executor.finallyRunning(child), what).toBeUndefined();
    }
  });
});
