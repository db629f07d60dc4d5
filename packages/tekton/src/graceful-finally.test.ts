import { KubeConfig } from '@kubernetes/client-node';
import { roundhouseConventions } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { KubeClient, type KubeObject, type Reader } from '@roundhouse/kube';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FinallyRunningError, type GracefulRun, gracefulFinallyUntil } from './graceful-finally.js';
import { buildPipelineRun } from './pipeline-run-spec.js';
import type { TaskRunState } from './status.js';
import { childTaskRunsSelector } from './task-runs-read.js';
import { TektonExecutor } from './tekton-executor.js';

const start = Date.parse('2026-01-01T00:00:00Z');
const minutes = (n: number) => n * 60_000;
const at = (ms: number) => new Date(ms).toISOString();

/** A run Tekton started at midnight with `timeouts`, now in `reason` after `spec.status`. */
function run(
  specStatus: string | undefined,
  reason: string,
  options: { timeouts?: Record<string, string>; finallyStartTime?: string; status?: string } = {},
): GracefulRun {
  return {
    metadata: { creationTimestamp: at(start) },
    spec: {
      ...(specStatus ? { status: specStatus } : {}),
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    },
    status: {
      conditions: [{ type: 'Succeeded', status: options.status ?? 'Unknown', reason }],
      startTime: at(start),
      ...(options.finallyStartTime ? { finallyStartTime: options.finallyStartTime } : {}),
    },
  };
}

const oneHour = { pipeline: '1h0m0s', tasks: '1h0m0s' };

describe('gracefulFinallyUntil', () => {
  it("waits for a graceful cancel's or stop's finally until the run's pipeline timeout", () => {
    const now = start + minutes(10);
    for (const [specStatus, reason] of [
      ['CancelledRunFinally', 'CancelledRunningFinally'],
      ['StoppedRunFinally', 'StoppedRunningFinally'],
      // Asked for, and Tekton has not acted on it yet.
      ['CancelledRunFinally', 'Running'],
    ] as const) {
      expect(gracefulFinallyUntil(run(specStatus, reason, { timeouts: oneHour }), now)).toBe(
        start + minutes(60),
      );
    }
  });

  it('deletes at once a run that was not cancelled gracefully', () => {
    const now = start + minutes(10);
    expect(gracefulFinallyUntil(run(undefined, 'Running', { timeouts: oneHour }), now)).toBe(
      undefined,
    );
    expect(gracefulFinallyUntil(run('Cancelled', 'Running', { timeouts: oneHour }), now)).toBe(
      undefined,
    );
  });

  it('deletes at once a run whose finally has ended, or that Tekton never reconciled', () => {
    const now = start + minutes(10);
    const ended = run('CancelledRunFinally', 'Cancelled', { timeouts: oneHour, status: 'False' });
    expect(gracefulFinallyUntil(ended, now)).toBe(undefined);
    const unseen: GracefulRun = {
      metadata: { creationTimestamp: at(start) },
      spec: { status: 'CancelledRunFinally', timeouts: oneHour },
    };
    expect(gracefulFinallyUntil(unseen, now)).toBe(undefined);
  });

  it("deletes the run anyway once its own timeout has passed (Tekton's controller is not ending it)", () => {
    const graceful = run('CancelledRunFinally', 'CancelledRunningFinally', { timeouts: oneHour });
    expect(gracefulFinallyUntil(graceful, start + minutes(59))).toBe(start + minutes(60));
    expect(gracefulFinallyUntil(graceful, start + minutes(60))).toBe(undefined);
  });

  it("ends the wait at the finally timeout from the finally's start when that comes first", () => {
    const finallyStartTime = at(start + minutes(20));
    const explicit = run('StoppedRunFinally', 'StoppedRunningFinally', {
      timeouts: { pipeline: '1h', finally: '5m' },
      finallyStartTime,
    });
    expect(gracefulFinallyUntil(explicit, start + minutes(21))).toBe(start + minutes(25));
    // Tekton's FinallyTimeout: pipeline minus tasks.
    const derived = run('StoppedRunFinally', 'StoppedRunningFinally', {
      timeouts: { pipeline: '1h', tasks: '50m' },
      finallyStartTime,
    });
    expect(gracefulFinallyUntil(derived, start + minutes(21))).toBe(start + minutes(30));
  });

  it("bounds a run without timeouts by Tekton's default, and one with none by it from its finally", () => {
    const unset = run('CancelledRunFinally', 'CancelledRunningFinally');
    expect(gracefulFinallyUntil(unset, start + minutes(10))).toBe(start + minutes(60));
    const noTimeout = run('CancelledRunFinally', 'CancelledRunningFinally', {
      timeouts: { pipeline: '0s' },
      finallyStartTime: at(start + minutes(90)),
    });
    expect(gracefulFinallyUntil(noTimeout, start + minutes(100))).toBe(start + minutes(150));
  });
});

describe("gracefulFinallyUntil with the run's TaskRuns", () => {
  const grace = 15_000;
  const finallyStart = start + minutes(1);

  /** A TaskRun named `name` with its Succeeded condition, and steps that ran when `ran`. */
  function taskRun(name: string, status: string, reason: string, ran = false): TaskRunState {
    return {
      metadata: { name, creationTimestamp: at(start) },
      status: {
        conditions: [{ type: 'Succeeded', status, reason }],
        ...(ran ? { steps: [{ name: 'run', terminated: { exitCode: 0 } }] } : {}),
      },
    };
  }

  /** A graceful cancel in its finally, Tekton having cancelled `work` and created `report`. */
  const cancelled: GracefulRun = (() => {
    const base = run('CancelledRunFinally', 'CancelledRunningFinally', {
      timeouts: oneHour,
      finallyStartTime: at(finallyStart),
    });
    const childReferences = ['work', 'report'].map((task) => ({
      kind: 'TaskRun',
      name: `r-${task}`,
      pipelineTaskName: task,
    }));
    return { ...base, status: { ...base.status, childReferences } };
  })();
  const neverStarted = taskRun('r-work', 'False', 'TaskRunCancelled');
  const refused = taskRun('r-report', 'Unknown', 'ExceededResourceQuota');

  it('waits for no finally a quota keeps from starting when no task of the run ever ran', () => {
    const children = { taskRuns: [neverStarted, refused], startupGraceMs: grace };
    expect(gracefulFinallyUntil(cancelled, finallyStart + grace, children)).toBe(undefined);
    // The quota is given the grace from the finally's start, as a run's first task is.
    expect(gracefulFinallyUntil(cancelled, finallyStart + grace - 1, children)).toBe(
      start + minutes(60),
    );
  });

  it("waits for no finally TaskRun a quota keeps Tekton from creating, which only the run's Events say", () => {
    const base = run('CancelledRunFinally', 'CancelledRunningFinally', { timeouts: oneHour });
    const refusal = {
      type: 'Warning',
      reason: 'TaskRunsCreationFailed',
      message:
        'Failed to create TaskRuns ["r-report"]: taskruns.tekton.dev "r-report" is forbidden: exceeded quota: no-taskruns, requested: count/taskruns.tekton.dev=1, used: count/taskruns.tekton.dev=0, limited: count/taskruns.tekton.dev=0',
    };
    const now = start + grace;
    const children = { taskRuns: [], startupGraceMs: grace };
    expect(gracefulFinallyUntil(base, now, { ...children, events: [refusal] })).toBe(undefined);
    expect(gracefulFinallyUntil(base, now, { ...children, events: [] })).toBe(start + minutes(60));
  });

  it('waits again once Tekton creates the finally TaskRun the quota refused, before the run lists it', () => {
    const base = run('CancelledRunFinally', 'CancelledRunningFinally', { timeouts: oneHour });
    const refusal = {
      type: 'Warning',
      reason: 'TaskRunsCreationFailed',
      message:
        'Failed to create TaskRuns ["r-report"]: taskruns.tekton.dev "r-report" is forbidden: exceeded quota: no-taskruns, requested: count/taskruns.tekton.dev=1, used: count/taskruns.tekton.dev=0, limited: count/taskruns.tekton.dev=0',
    };
    const now = start + grace;
    const refused = { taskRuns: [], events: [refusal], startupGraceMs: grace };
    expect(gracefulFinallyUntil(base, now, refused)).toBe(undefined);
    // The quota freed: Tekton created the TaskRun; its status write listing it has not landed.
    // The Event stays for an hour.
    for (const [why, report] of [
      ['the finally runs', taskRun('r-report', 'Unknown', 'Running', true)],
      ['its pod is not created yet', taskRun('r-report', 'Unknown', 'Pending')],
      // Until Tekton lists it and ends the run, which then goes at once.
      ['the finally ended', taskRun('r-report', 'True', 'Succeeded', true)],
    ] as const) {
      const created = { ...refused, taskRuns: [report] };
      expect(gracefulFinallyUntil(base, now, created), why).toBe(start + minutes(60));
    }
  });

  it('waits for a finally that may still start, and for the finally of a run whose tasks ran', () => {
    const now = finallyStart + minutes(5);
    for (const [why, taskRuns] of [
      ['the task ran', [taskRun('r-work', 'False', 'TaskRunCancelled', true), refused]],
      ['the task succeeded', [taskRun('r-work', 'True', 'Succeeded'), refused]],
      [
        'the finally pod waits for a node',
        [neverStarted, taskRun('r-report', 'Unknown', 'Pending')],
      ],
      ['the finally TaskRun was not read', [neverStarted]],
    ] as const) {
      expect(gracefulFinallyUntil(cancelled, now, { taskRuns, startupGraceMs: grace }), why).toBe(
        start + minutes(60),
      );
    }
  });
});

describe('FinallyRunningError', () => {
  it('is retryable, and asks to be retried by the wait’s end at the latest', () => {
    const soon = new FinallyRunningError('workflows', 'wfe-1', start + 4_500, start);
    expect(soon).toMatchObject({ reason: 'FinallyRunning', retryable: true, retryAfterSeconds: 5 });
    expect(soon.message).toBe(
      'PipelineRun workflows/wfe-1 is running its finally tasks after a graceful cancel; cleanup deletes it once it ends, or at 2026-01-01T00:00:04.500Z (its timeout)',
    );
    const later = new FinallyRunningError('workflows', 'wfe-1', start + minutes(50), start);
    expect(later.retryAfterSeconds).toBe(30);
  });
});

describe('TektonExecutor.cleanup', () => {
  const wfe = sampleExecution({});
  const namespace = 'workflows';

  afterEach(() => {
    vi.useRealTimers();
  });

  /** An API server holding this execution's run, in `specStatus` and `reason`; `deleted` counts deletes. */
  function holding(specStatus: string | undefined, reason: string, timeouts: object = oneHour) {
    const built = buildPipelineRun(wfe, namespace, undefined, {
      conventions: roundhouseConventions,
      serviceAccountName: 'runner',
      pipelineName: 'workflow',
    });
    const graceful = run(specStatus, reason);
    const stored = {
      ...built,
      metadata: { ...built.metadata, uid: 'run-uid', creationTimestamp: at(start) },
      spec: { ...built.spec, ...graceful.spec, timeouts },
      status: graceful.status,
    };
    const server = new KubeClient(new KubeConfig());
    vi.spyOn(server, 'get').mockImplementation(async <T>() => structuredClone(stored) as T);
    const deleted = vi.spyOn(server, 'delete').mockResolvedValue(true);
    return { executor: new TektonExecutor(server), deleted };
  }

  it('leaves a run in its finally after a graceful cancel, saying so with a retryable error', async () => {
    vi.useFakeTimers({ now: start + minutes(10), toFake: ['Date'] });
    const { executor, deleted } = holding('CancelledRunFinally', 'CancelledRunningFinally');
    const cleanup = executor.cleanup(wfe, namespace);
    await expect(cleanup).rejects.toBeInstanceOf(FinallyRunningError);
    await expect(cleanup).rejects.toMatchObject({ retryable: true, until: start + minutes(60) });
    expect(deleted).not.toHaveBeenCalled();
  });

  it('deletes it once its timeout has passed, and a run not cancelled gracefully at once', async () => {
    vi.useFakeTimers({ now: start + minutes(61), toFake: ['Date'] });
    const overdue = holding('StoppedRunFinally', 'StoppedRunningFinally');
    await overdue.executor.cleanup(wfe, namespace);
    expect(overdue.deleted).toHaveBeenCalledTimes(1);
    vi.setSystemTime(start + minutes(10));
    for (const [specStatus, reason] of [
      [undefined, 'Running'],
      ['Cancelled', 'Running'],
    ] as const) {
      const { executor, deleted } = holding(specStatus, reason);
      await executor.cleanup(wfe, namespace);
      expect(deleted, String(specStatus)).toHaveBeenCalledTimes(1);
    }
  });

  it("deletes a run whose timeouts are not Tekton's shape rather than wait on it for ever", async () => {
    vi.useFakeTimers({ now: start + minutes(10), toFake: ['Date'] });
    const { executor, deleted } = holding('CancelledRunFinally', 'CancelledRunningFinally', {
      pipeline: 3600,
    });
    await executor.cleanup(wfe, namespace);
    expect(deleted).toHaveBeenCalledTimes(1);
  });
});

describe('TektonExecutor.cleanup of a graceful cancel whose tasks never ran', () => {
  const wfe = sampleExecution({});
  const namespace = 'workflows';
  const finallyStart = start + minutes(1);

  afterEach(() => {
    vi.useRealTimers();
  });

  function taskRun(name: string, reason: string, status = 'Unknown'): TaskRunState {
    return {
      metadata: { name, creationTimestamp: at(start) },
      status: { conditions: [{ type: 'Succeeded', status, reason }] },
    };
  }

  /** The run in its finally after `work` was cancelled unstarted, `report` as `reportReason` says. */
  function holding(reportReason: string) {
    const built = buildPipelineRun(wfe, namespace, undefined, {
      conventions: roundhouseConventions,
      serviceAccountName: 'runner',
      pipelineName: 'workflow',
    });
    const graceful = run('CancelledRunFinally', 'CancelledRunningFinally', {
      finallyStartTime: at(finallyStart),
    });
    const name = built.metadata.name;
    const stored = {
      ...built,
      metadata: { ...built.metadata, uid: 'run-uid', creationTimestamp: at(start) },
      spec: { ...built.spec, ...graceful.spec, timeouts: oneHour },
      status: {
        ...graceful.status,
        childReferences: ['work', 'report'].map((task) => ({
          kind: 'TaskRun',
          name: `${name}-${task}`,
          pipelineTaskName: task,
        })),
      },
    };
    const taskRuns = [
      taskRun(`${name}-work`, 'TaskRunCancelled', 'False'),
      taskRun(`${name}-report`, reportReason),
    ];
    const get = async <T>(type: { kind: string }, _ns: unknown, wanted: string) =>
      structuredClone(
        type.kind === 'PipelineRun' ? stored : taskRuns.find((t) => t.metadata.name === wanted),
      ) as T;
    const list = async <T>() => ({ items: structuredClone(taskRuns) as T[], resourceVersion: '1' });
    return { get, list };
  }

  it("deletes the run once the API server too shows the finally's pod refused for a quota", async () => {
    vi.useFakeTimers({ now: finallyStart + minutes(1), toFake: ['Date'] });
    for (const [live, expected] of [
      ['ExceededResourceQuota', 1],
      // The cache is behind: the quota has let the finally's pod be created since.
      ['Running', 0],
    ] as const) {
      const server = new KubeClient(new KubeConfig());
      const fromServer = holding(live);
      vi.spyOn(server, 'get').mockImplementation(fromServer.get as KubeClient['get']);
      vi.spyOn(server, 'list').mockImplementation(fromServer.list as KubeClient['list']);
      const deleted = vi.spyOn(server, 'delete').mockResolvedValue(true);
      const cache = holding('ExceededResourceQuota');
      const executor = new TektonExecutor(server, { reader: cache as Reader });
      const cleanup = executor.cleanup(wfe, namespace);
      if (expected === 0) await expect(cleanup).rejects.toBeInstanceOf(FinallyRunningError);
      else await cleanup;
      expect(deleted, live).toHaveBeenCalledTimes(expected);
    }
  });
  it('tells a controller deleting a run whose execution is gone the same, from the run it holds', async () => {
    vi.useFakeTimers({ now: finallyStart + minutes(1), toFake: ['Date'] });
    for (const [report, pending] of [
      ['Running', true],
      ['ExceededResourceQuota', false],
    ] as const) {
      const server = new KubeClient(new KubeConfig());
      const fromServer = holding(report);
      vi.spyOn(server, 'get').mockImplementation(fromServer.get as KubeClient['get']);
      vi.spyOn(server, 'list').mockImplementation(fromServer.list as KubeClient['list']);
      const held = await fromServer.get<KubeObject>({ kind: 'PipelineRun' }, namespace, '');
      const executor = new TektonExecutor(server);
      const error = await executor.finallyRunning(held);
      expect(error instanceof FinallyRunningError, report).toBe(pending);
      // The same answer through the PipelineRun's watch, which is what the controller asks.
      const [watch] = executor.watches;
      const watched = await watch?.deletionPending?.(held);
      expect(watched instanceof FinallyRunningError, `${report}, asked by the watch`).toBe(pending);
    }
  });
});

describe('TektonExecutor.cleanup of a graceful cancel whose finally TaskRun a quota refused', () => {
  const wfe = sampleExecution({});
  const namespace = 'workflows';

  afterEach(() => {
    vi.useRealTimers();
  });

  /**
   * The run in its graceful cancel with no child listed, its Events holding the quota's refusal
   * of `report`, and `taskRuns` (those named are TaskRuns of the run, in `reason`). `selectors`
   * records the label selectors TaskRuns are listed with.
   */
  function holding(taskRuns: readonly string[], reason = 'Running') {
    const built = buildPipelineRun(wfe, namespace, undefined, {
      conventions: roundhouseConventions,
      serviceAccountName: 'runner',
      pipelineName: 'workflow',
    });
    const graceful = run('CancelledRunFinally', 'CancelledRunningFinally');
    const name = built.metadata.name;
    const stored = {
      ...built,
      metadata: { ...built.metadata, uid: 'run-uid', creationTimestamp: at(start) },
      spec: { ...built.spec, ...graceful.spec, timeouts: oneHour },
      status: graceful.status,
    };
    const refusal = {
      metadata: { name: `${name}.1`, namespace },
      involvedObject: { kind: 'PipelineRun', uid: 'run-uid' },
      type: 'Warning',
      reason: 'TaskRunsCreationFailed',
      message: `Failed to create TaskRuns ["${name}-report"]: taskruns.tekton.dev "${name}-report" is forbidden: exceeded quota: no-taskruns, requested: count/taskruns.tekton.dev=1, used: count/taskruns.tekton.dev=0, limited: count/taskruns.tekton.dev=0`,
    };
    const items = taskRuns.map((task) => ({
      metadata: {
        name: `${name}-${task}`,
        creationTimestamp: at(start),
        labels: { 'tekton.dev/pipelineRun': name, 'tekton.dev/pipelineRunUID': 'run-uid' },
      },
      status: { conditions: [{ type: 'Succeeded', status: 'Unknown', reason }] },
    }));
    const selectors: unknown[] = [];
    const server = new KubeClient(new KubeConfig());
    vi.spyOn(server, 'get').mockImplementation((async () =>
      structuredClone(stored)) as KubeClient['get']);
    vi.spyOn(server, 'list').mockImplementation((async (
      type: { kind: string },
      _ns: unknown,
      options?: { labelSelector?: string },
    ) => {
      if (type.kind !== 'Event') selectors.push(options?.labelSelector);
      return {
        items: structuredClone(type.kind === 'Event' ? [refusal] : items),
        resourceVersion: '1',
      };
    }) as KubeClient['list']);
    const deleted = vi.spyOn(server, 'delete').mockResolvedValue(true);
    return { server, deleted, selectors, name };
  }

  it('deletes the run while the quota refuses it, and waits once Tekton created it, before the run lists it', async () => {
    vi.useFakeTimers({ now: start + minutes(1), toFake: ['Date'] });
    const cache = holding([]);
    for (const [taskRuns, reason, expected] of [
      [[], 'Pending', 1],
      // The quota freed since the Event (which stays for an hour); the cache has not seen it.
      [['report'], 'Pending', 0],
    ] as const) {
      const live = holding(taskRuns, reason);
      const executor = new TektonExecutor(live.server, { reader: cache.server });
      const cleanup = executor.cleanup(wfe, namespace);
      if (expected === 0) await expect(cleanup).rejects.toBeInstanceOf(FinallyRunningError);
      else await cleanup;
      expect(live.deleted, `${taskRuns} ${reason}`).toHaveBeenCalledTimes(expected);
      // Listed as the run's children are: a controller's cache answers from memory.
      expect(live.selectors).toEqual([childTaskRunsSelector(roundhouseConventions, live.name)]);
    }
  });
});

describe('TektonExecutor.cleanup right after its own graceful cancel, from a cache behind it', () => {
  const wfe = sampleExecution({});
  const namespace = 'workflows';

  afterEach(() => {
    vi.useRealTimers();
  });

  /**
   * An API server holding this execution's running run (resourceVersion 5) that applies merge
   * patches as a new version, and a controller's cache that still holds version 5 until
   * `catchUp` hands it what the server holds.
   */
  function behindCache(resourceVersion = '5') {
    const built = buildPipelineRun(wfe, namespace, undefined, {
      conventions: roundhouseConventions,
      serviceAccountName: 'runner',
      pipelineName: 'workflow',
    });
    const running = run(undefined, 'Running');
    let stored: KubeObject & { spec: Record<string, unknown> } = {
      ...built,
      metadata: {
        ...built.metadata,
        uid: 'run-uid',
        creationTimestamp: at(start),
        resourceVersion,
      },
      spec: { ...built.spec, timeouts: oneHour },
      status: running.status,
    };
    let cached = structuredClone(stored);
    const server = new KubeClient(new KubeConfig());
    const get = vi
      .spyOn(server, 'get')
      .mockImplementation(async <T>() => structuredClone(stored) as T);
    vi.spyOn(server, 'patch').mockImplementation(async <T>(...args: unknown[]) => {
      const { spec } = args[3] as { spec: { status: string } };
      const version = /^\d+$/.test(resourceVersion) ? String(Number(resourceVersion) + 1) : 'b';
      stored = {
        ...stored,
        metadata: { ...stored.metadata, resourceVersion: version },
        spec: { ...stored.spec, status: spec.status },
      };
      return structuredClone(stored) as T;
    });
    const deleted = vi.spyOn(server, 'delete').mockResolvedValue(true);
    const cache: Reader = {
      get: async <T extends KubeObject>() => structuredClone(cached) as unknown as T,
      list: async () => ({ items: [], resourceVersion: '1' }),
    };
    const executor = new TektonExecutor(server, { reader: cache });
    const catchUp = () => {
      cached = structuredClone(stored);
    };
    return { executor, deleted, reads: () => get.mock.calls.length, catchUp };
  }

  it('waits for the finally it asked for, reading the run from the API server', async () => {
    vi.useFakeTimers({ now: start + minutes(10), toFake: ['Date'] });
    const { executor, deleted, reads } = behindCache();
    expect(await executor.cancel(wfe, namespace, { graceful: 'cancel' })).toBe(true);
    const cleanup = executor.cleanup(wfe, namespace);
    await expect(cleanup).rejects.toBeInstanceOf(FinallyRunningError);
    await expect(cleanup).rejects.toMatchObject({ until: start + minutes(60) });
    expect(deleted).not.toHaveBeenCalled();
    expect(reads()).toBe(1);
  });

  it('waits too when resourceVersions are no integers, which only equality compares', async () => {
    vi.useFakeTimers({ now: start + minutes(10), toFake: ['Date'] });
    const { executor, deleted } = behindCache('a');
    expect(await executor.cancel(wfe, namespace, { graceful: 'stop' })).toBe(true);
    await expect(executor.cleanup(wfe, namespace)).rejects.toBeInstanceOf(FinallyRunningError);
    expect(deleted).not.toHaveBeenCalled();
  });

  it('trusts the cache, sending no request, once it holds the write', async () => {
    vi.useFakeTimers({ now: start + minutes(10), toFake: ['Date'] });
    const { executor, deleted, reads, catchUp } = behindCache();
    expect(await executor.cancel(wfe, namespace, { graceful: 'cancel' })).toBe(true);
    catchUp();
    await expect(executor.cleanup(wfe, namespace)).rejects.toBeInstanceOf(FinallyRunningError);
    expect(reads()).toBe(0);
    expect(deleted).not.toHaveBeenCalled();
  });

  it('deletes at once after a hard cancel, which has no finally to wait for', async () => {
    vi.useFakeTimers({ now: start + minutes(10), toFake: ['Date'] });
    const { executor, deleted } = behindCache();
    expect(await executor.cancel(wfe, namespace)).toBe(true);
    await executor.cleanup(wfe, namespace);
    expect(deleted).toHaveBeenCalledTimes(1);
  });
});
