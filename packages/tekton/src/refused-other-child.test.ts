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
const name = built.metadata.name;
const minuteAgo = () => new Date(Date.now() - 60_000).toISOString();

/** A run Tekton started a minute ago, listing `children` ([kind, task]), its spec.status `specStatus`. */
function running(children: [string, string][], specStatus?: string): KubeObject {
  const created = minuteAgo();
  return {
    ...built,
    metadata: { ...built.metadata, uid: 'run-uid', creationTimestamp: created },
    spec: { ...built.spec, ...(specStatus ? { status: specStatus } : {}) },
    status: {
      conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }],
      startTime: created,
      childReferences: children.map(([kind, task]) => ({
        kind,
        name: `${name}-${task}`,
        pipelineTaskName: task,
      })),
    },
  };
}

/** A child run of `kind` Tekton created for the run, with its labels, in `status`. */
function child(kind: string, task: string, status: 'True' | 'Unknown'): KubeObject {
  return {
    kind,
    metadata: {
      name: `${name}-${task}`,
      namespace,
      labels: {
        ...built.metadata.labels,
        'tekton.dev/pipelineRun': name,
        'tekton.dev/pipelineRunUID': 'run-uid',
      },
    },
    status: {
      conditions: [
        { type: 'Succeeded', status, reason: status === 'True' ? 'Succeeded' : 'Running' },
      ],
    },
  };
}

/** Tekton's Event (pipelinerun.go, v1.15) for a child of `kind` a ResourceQuota refused. */
function refusal(kind: 'TaskRun' | 'CustomRun' | 'PipelineRun', task: string): KubeObject {
  const [reason, what, plural] = {
    TaskRun: ['TaskRunsCreationFailed', 'TaskRuns', 'taskruns'],
    CustomRun: ['RunsCreationFailed', 'CustomRuns', 'customruns'],
    PipelineRun: ['ChildPipelineRunsCreationFailed', 'child (PIP) PipelineRuns', 'pipelineruns'],
  }[kind];
  const refused = `${name}-${task}`;
  return {
    metadata: { name: `${refused}.1`, namespace },
    involvedObject: { kind: 'PipelineRun', uid: 'run-uid' },
    type: 'Warning',
    reason,
    message: `Failed to create ${what} ["${refused}"]: ${plural}.tekton.dev "${refused}" is forbidden: exceeded quota: q, requested: count/${plural}.tekton.dev=1, used: count/${plural}.tekton.dev=1, limited: count/${plural}.tekton.dev=1`,
  };
}

/**
 * An API server holding `run`, its `children` (listed by kind) and its `events`; a kind in
 * `refused` answers its list with 403.
 */
function server(run: KubeObject, children: KubeObject[], events: KubeObject[], refused = '') {
  return Object.assign(new KubeClient(new KubeConfig()), {
    get: async <T extends KubeObject>(type: ResourceType, _ns: unknown, wanted: string) =>
      (type.kind === 'PipelineRun' && wanted === name
        ? structuredClone(run)
        : (structuredClone(children.find((c) => c.metadata?.name === wanted)) ?? null)) as T,
    list: async <T extends KubeObject>(type: ResourceType) => {
      if (type.kind === refused) {
        throw new KubernetesApiError('Forbidden', `${type.plural} is forbidden`, 403);
      }
      const items = type.kind === 'Event' ? events : children.filter((c) => c.kind === type.kind);
      return { items: structuredClone(items) as T[], resourceVersion: '1' };
    },
  });
}

describe('a CustomRun or child PipelineRun a ResourceQuota refused, read as a TaskRun is', () => {
  it('fails a run none of whose children could be created, whatever their kind', async () => {
    for (const kind of ['CustomRun', 'PipelineRun'] as const) {
      const api = server(running([]), [], [refusal(kind, 'approve')]);
      expect(await new TektonExecutor(api).getStatus(wfe, namespace), kind).toMatchObject({
        phase: 'Failed',
        failureReason: 'ResourceExhausted',
        failedTaskName: `${name}-approve`,
        started: false,
      });
    }
  });

  it('does not fail it once Tekton created the refused run, before the PipelineRun lists it', async () => {
    for (const kind of ['CustomRun', 'PipelineRun'] as const) {
      const api = server(
        running([]),
        [child(kind, 'approve', 'Unknown')],
        [refusal(kind, 'approve')],
      );
      expect(await new TektonExecutor(api).getStatus(wfe, namespace), kind).toMatchObject({
        phase: 'Running',
      });
    }
  });

  it('waits when those runs cannot be listed: the refused one may exist', async () => {
    const api = server(running([]), [], [refusal('CustomRun', 'approve')], 'CustomRun');
    expect((await new TektonExecutor(api).getStatus(wfe, namespace))?.phase).toBe('Running');
  });

  it('fails a run whose next TaskRun a quota refused after its custom task or child pipeline ended, saying the workflow ran', async () => {
    for (const kind of ['CustomRun', 'PipelineRun'] as const) {
      const api = server(
        running([[kind, 'approve']]),
        [child(kind, 'approve', 'True')],
        [refusal('TaskRun', 'build')],
      );
      expect(await new TektonExecutor(api).getStatus(wfe, namespace), kind).toMatchObject({
        phase: 'Failed',
        failedTaskName: `${name}-build`,
        started: true,
      });
    }
  });

  it('keeps waiting while that custom task or child pipeline still runs', async () => {
    const api = server(
      running([['CustomRun', 'approve']]),
      [child('CustomRun', 'approve', 'Unknown')],
      [refusal('TaskRun', 'build')],
    );
    expect((await new TektonExecutor(api).getStatus(wfe, namespace))?.phase).toBe('Running');
  });

  it("leaves a graceful cancel's finally CustomRun to run once Tekton created it after a refusal", async () => {
    const cancelled = running([], 'CancelledRunFinally');
    const finallyRun = child('CustomRun', 'release', 'Unknown');
    const created = server(cancelled, [finallyRun], [refusal('CustomRun', 'release')]);
    await expect(new TektonExecutor(created).cleanup(wfe, namespace)).rejects.toBeInstanceOf(
      FinallyRunningError,
    );
  });
});
