import { KubeConfig } from '@kubernetes/client-node';
import { roundhouseConventions } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { KubeClient, type KubeObject, type ResourceType } from '@roundhouse/kube';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildPipelineRun } from './pipeline-run-spec.js';
import { TektonExecutor } from './tekton-executor.js';

const wfe = sampleExecution({});
const namespace = 'workflows';
const created = '2026-01-01T00:00:00Z';

/** This execution's PipelineRun, created at midnight, with `status` (none: never reconciled). */
function pipelineRun(status?: object): KubeObject {
  const built = buildPipelineRun(wfe, namespace, undefined, {
    conventions: roundhouseConventions,
    serviceAccountName: 'runner',
    pipelineName: 'workflow',
  });
  return {
    ...built,
    metadata: { ...built.metadata, uid: 'run-uid', creationTimestamp: created },
    ...(status ? { status } : {}),
  };
}

const running = {
  conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }],
  startTime: created,
};

/** An API server holding `run`, no TaskRun and no Event. */
function holding(run: KubeObject) {
  return Object.assign(new KubeClient(new KubeConfig()), {
    get: async <T extends KubeObject>(type: ResourceType) =>
      (type.kind === 'PipelineRun' ? structuredClone(run) : null) as T,
    list: async <T extends KubeObject>() => ({ items: [] as T[], resourceVersion: '1' }),
  });
}

/** The run's result read at `time`, with a startup grace of 15 s and a controller grace of 2 min. */
function statusAt(time: string, run: KubeObject) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(time));
  return new TektonExecutor(holding(run), {
    startupGraceMs: 15_000,
    controllerGraceMs: 120_000,
  }).getStatus(wfe, namespace);
}

describe('TektonExecutor: when to look again at a run that may not start', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks for a run no controller has taken up to be read again when the controller grace runs out: nothing else will change it', async () => {
    expect(await statusAt('2026-01-01T00:00:30Z', pipelineRun())).toMatchObject({
      phase: 'Running',
      reason: 'Pending',
      recheckAfterMs: 91_000,
    });
  });

  it('fails that run at the end of the grace, with no hint left', async () => {
    const result = await statusAt('2026-01-01T00:02:00Z', pipelineRun());
    expect(result).toMatchObject({ phase: 'Failed', reason: 'StartFailed' });
    expect(result).not.toHaveProperty('recheckAfterMs');
  });

  it('asks for a started run to be read again when the startup grace runs out: a quota refusing its tasks does not change the run', async () => {
    expect(await statusAt('2026-01-01T00:00:04Z', pipelineRun(running))).toMatchObject({
      phase: 'Running',
      recheckAfterMs: 12_000,
    });
  });

  it.each([
    ['running past its startup grace', '2026-01-01T00:01:00Z', running],
    [
      'finished',
      '2026-01-01T00:00:04Z',
      {
        ...running,
        conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }],
        completionTime: '2026-01-01T00:00:03Z',
      },
    ],
  ])('gives no hint for a run %s: time alone changes nothing', async (_what, time, status) => {
    expect(await statusAt(time, pipelineRun(status))).not.toHaveProperty('recheckAfterMs');
  });
});
