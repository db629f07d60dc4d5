/**
 * Past 350 lines: the executor's create, cancel and status reads (cached, stale, unreadable),
 * over one scripted client set-up its describes share.
 */
import { KubeConfig } from '@kubernetes/client-node';
import {
  ConfigurationError,
  type Conventions,
  kubernautConventions,
  noopLogger,
  Registry,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import {
  KubeClient,
  type KubeObject,
  KubernetesApiError,
  type Reader,
  type ResourceType,
} from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { kubernautFailureCases } from './kubernaut-failure-cases.test-support.js';
import { buildPipelineRun } from './pipeline-run-spec.js';
import { TektonExecutor } from './tekton-executor.js';

const client = new KubeClient(new KubeConfig());

/** An API server that accepts every create; `created()` lists what it was sent. */
function recordingServer() {
  const server = new KubeClient(new KubeConfig());
  const create = vi
    .spyOn(server, 'create')
    .mockImplementation(async (_type, _namespace, body) => ({ object: body, warnings: [] }));
  return { server, created: () => create.mock.calls.map(([, , body]) => body) };
}

describe('TektonExecutor', () => {
  it('registers as the tekton engine', () => {
    expect(new Registry().register(new TektonExecutor(client)).engines()).toEqual(['tekton']);
  });

  it('rejects a bad pipeline name at construction, naming the option', () => {
    const construct = () => new TektonExecutor(client, { pipelineName: 'My Pipeline' });
    expect(construct).toThrow(ConfigurationError);
    expect(construct).toThrow(/^pipelineName: "My Pipeline" is not a valid Pipeline name/);
  });

  it('creates a PipelineRun with the default timeout when the execution sets none', async () => {
    const { server, created } = recordingServer();
    await new TektonExecutor(server, { defaultTimeout: '45m' }).create(wfe, 'workflows');
    expect(created()).toMatchObject([{ spec: { timeouts: { pipeline: '45m', tasks: '45m' } } }]);
  });

  it('runs every TaskRun pod under the restricted pod context unless securityProfile is none', async () => {
    const { server, created } = recordingServer();
    await new TektonExecutor(server).create(wfe, 'workflows');
    await new TektonExecutor(server, { securityProfile: 'none' }).create(wfe, 'workflows');
    await new TektonExecutor(server, {
      securityProfile: 'none',
      podSecurityContext: { runAsUser: 1000 },
    }).create(wfe, 'workflows');
    expect(
      created().map(
        (run) =>
          (run as { spec: { taskRunTemplate: { podTemplate?: object } } }).spec.taskRunTemplate
            .podTemplate,
      ),
    ).toEqual([
      { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } },
      undefined,
      { securityContext: { runAsUser: 1000 } },
    ]);
  });

  it('says an engineConfig is not used, and builds the same PipelineRun as without it', async () => {
    const { server, created } = recordingServer();
    const engineConfig = {
      taskRunTemplate: { serviceAccountName: 'cluster-admin', podTemplate: { hostNetwork: true } },
    };
    const configured = {
      ...wfe,
      spec: { ...wfe.spec, workflowRef: { ...wfe.spec.workflowRef, engineConfig } },
    };
    const executor = new TektonExecutor(server);
    const { warnings } = await executor.create(configured, 'workflows');
    expect(warnings).toEqual([
      "spec.workflowRef.engineConfig is not used by the tekton engine: the PipelineRun runs the bundle's Pipeline with the parameters, the dependencies as workspaces and the service account",
    ]);
    expect((await executor.create(wfe, 'workflows')).warnings).toEqual([]);
    expect(created()[0]).toEqual(created()[1]);
  });

  it('gives a PipelineRun the default timeout when spec.timesOutAt is further away', async () => {
    const { server, created } = recordingServer();
    const timesOutAt = new Date(Date.now() + 20 * 3_600_000).toISOString();
    const far = { ...wfe, spec: { ...wfe.spec, timesOutAt } };
    await new TektonExecutor(server, { defaultTimeout: '1h' }).create(far, 'workflows');
    expect(created()).toMatchObject([{ spec: { timeouts: { pipeline: '1h', tasks: '1h' } } }]);
  });

  it('rejects a default timeout that is no positive Go duration at construction', () => {
    const construct = () => new TektonExecutor(client, { defaultTimeout: '0' });
    expect(construct).toThrow(ConfigurationError);
    expect(construct).toThrow(/^defaultTimeout: "0" is not a positive Go duration/);
  });
});

type Run = KubeObject & { spec?: Record<string, unknown> & { status?: string }; status?: unknown };

const wfe: WorkflowExecution = sampleExecution({
  spec: {
    workflowRef: { workflowId: 'restart-pod', version: '1', executionBundle: 'quay.io/acme/b:1' },
    executionEngine: 'tekton',
  },
});

const namespace = 'workflows';

/** This execution's PipelineRun as the API server holds it, with a Succeeded condition. */
function storedRun(succeeded: 'True' | 'False' | 'Unknown'): Run {
  const built = buildPipelineRun(wfe, namespace, undefined, {
    conventions: roundhouseConventions,
    serviceAccountName: 'runner',
    pipelineName: 'workflow',
  });
  return {
    ...built,
    metadata: { ...built.metadata, uid: 'run-uid' },
    spec: { ...built.spec },
    status: { conditions: [{ type: 'Succeeded', status: succeeded, reason: 'Running' }] },
  };
}

/** A PipelineRun's references to a child TaskRun for each of `tasks`, named as Tekton names them. */
const childReferences = (runName: string, tasks: string[]) =>
  tasks.map((task) => ({ kind: 'TaskRun', name: `${runName}-${task}`, pipelineTaskName: task }));

/**
 * An API server (or, as a reader, a controller's cache) holding the run and `taskRuns`; without
 * them, one that refuses every TaskRun read.
 */
function holding(run: Run, taskRuns?: KubeObject[]) {
  const refuse = () => {
    throw new KubernetesApiError('Forbidden', 'taskruns.tekton.dev is forbidden', 403);
  };
  return Object.assign(new KubeClient(new KubeConfig()), {
    get: async <T extends KubeObject>(type: ResourceType, _ns: unknown, name: string) => {
      if (type.kind === 'PipelineRun') return structuredClone(run) as T;
      if (!taskRuns) refuse();
      return (structuredClone(taskRuns?.find((t) => t.metadata?.name === name)) ?? null) as T;
    },
    list: async <T extends KubeObject>() => {
      if (!taskRuns) refuse();
      return { items: structuredClone(taskRuns ?? []) as T[], resourceVersion: '1' };
    },
  });
}

/**
 * An API server with Tekton's validating webhook, which refuses (400, as knative's admission
 * errors are) any spec change to a PipelineRun that has finished.
 */
class TektonApiServer extends KubeClient {
  patches = 0;
  constructor(public run: Run) {
    super(new KubeConfig());
  }
  override async get<T extends KubeObject>(): Promise<T | null> {
    return structuredClone(this.run) as T;
  }
  override async patch<T extends KubeObject>(
    _type: ResourceType,
    _namespace: string | undefined,
    _name: string,
    patch: unknown,
  ): Promise<T> {
    this.patches++;
    const status = this.run.status as { conditions: { status: string }[] };
    if (status.conditions[0]?.status !== 'Unknown') {
      throw new KubernetesApiError(
        'BadRequest',
        'patch PipelineRun: admission webhook "validation.webhook.pipeline.tekton.dev" denied the request: validation failed: invalid value: Once the PipelineRun is complete, no updates are allowed',
        400,
      );
    }
    const { spec } = patch as { spec: { status: string } };
    this.run = { ...this.run, spec: { ...this.run.spec, status: spec.status } };
    return structuredClone(this.run) as T;
  }
}

describe('TektonExecutor.cancel', () => {
  it('stops a running PipelineRun', async () => {
    const server = new TektonApiServer(storedRun('Unknown'));
    expect(await new TektonExecutor(server).cancel(wfe, namespace)).toBe(true);
    expect(server.run.spec?.status).toBe('Cancelled');
  });

  it.each(['True', 'False'] as const)(
    'has nothing to stop once the run finished (Succeeded %s), and sends no patch',
    async (succeeded) => {
      const server = new TektonApiServer(storedRun(succeeded));
      expect(await new TektonExecutor(server).cancel(wfe, namespace)).toBe(false);
      expect(server.patches).toBe(0);
    },
  );

  it('has nothing to stop when the run finished after a stale read, and Tekton refuses the patch', async () => {
    const server = new TektonApiServer(storedRun('False'));
    const staleCache: Reader = {
      get: async <T extends KubeObject>() => storedRun('Unknown') as T,
      list: async () => ({ items: [], resourceVersion: '1' }),
    };
    const executor = new TektonExecutor(server, { reader: staleCache });
    expect(await executor.cancel(wfe, namespace)).toBe(false);
    expect(server.patches).toBe(1);
  });

  it('passes on a refused patch of a run that is still running', async () => {
    const server = new TektonApiServer(storedRun('Unknown'));
    server.patch = async () => {
      throw new KubernetesApiError('BadRequest', 'patch PipelineRun: bad patch', 400);
    };
    await expect(new TektonExecutor(server).cancel(wfe, namespace)).rejects.toMatchObject({
      reason: 'BadRequest',
    });
  });
});

describe('TektonExecutor.getStatus', () => {
  const taskRunState = (name: string, status: string, exitCode?: number): KubeObject => ({
    apiVersion: 'tekton.dev/v1',
    kind: 'TaskRun',
    metadata: { name, namespace },
    status: {
      conditions: [{ type: 'Succeeded', status, reason: status === 'False' ? 'Failed' : 'Done' }],
      steps:
        exitCode === undefined ? [] : [{ name: 'run', terminated: { exitCode, reason: 'Error' } }],
    },
  });

  /** A failed run with three children: only `build` carries the pipelineRun label. */
  function failedRun(): Run {
    const run = storedRun('False');
    const name = run.metadata?.name as string;
    run.status = {
      conditions: [{ type: 'Succeeded', status: 'False', reason: 'Failed', message: 'failed' }],
      childReferences: childReferences(name, ['build', 'test', 'gone']),
    };
    return run;
  }

  it('reads by name the children the label list lacks, and passes over one that is gone', async () => {
    const run = failedRun();
    const name = run.metadata?.name as string;
    const stored = new Map([
      [`${name}-build`, taskRunState(`${name}-build`, 'True')],
      // Made without the tekton.dev/pipelineRun label, as kubernaut's tests make TaskRuns.
      [`${name}-test`, taskRunState(`${name}-test`, 'False', 3)],
    ]);
    const gets: string[] = [];
    const reader: Reader = {
      get: async <T extends KubeObject>(type: ResourceType, _ns: unknown, key: string) => {
        if (type.kind === 'PipelineRun') return structuredClone(run) as T;
        gets.push(key);
        return (stored.get(key) ?? null) as T | null;
      },
      list: async <T extends KubeObject>() => ({
        items: [stored.get(`${name}-build`) as T],
        resourceVersion: '1',
      }),
    };
    // The API server itself: a finished run's children the list lacks are read from it.
    const executor = new TektonExecutor(Object.assign(new KubeClient(new KubeConfig()), reader));
    const result = await executor.getStatus(wfe, namespace);
    expect(gets.sort()).toEqual([`${name}-gone`, `${name}-test`]);
    expect(result).toMatchObject({
      phase: 'Failed',
      failureReason: 'TaskFailed',
      failedTaskName: `${name}-test`,
      failedTaskIndex: 1,
      exitCode: 3,
      summary: { completedTasks: 1, totalTasks: 3 },
      started: true,
    });
  });

  it('reads nothing by name when the label list holds every child', async () => {
    const run = failedRun();
    const name = run.metadata?.name as string;
    const items = ['build', 'test', 'gone'].map((t) => taskRunState(`${name}-${t}`, 'True'));
    let gets = 0;
    const reader: Reader = {
      get: async <T extends KubeObject>(type: ResourceType) => {
        if (type.kind === 'PipelineRun') return structuredClone(run) as T;
        gets++;
        return null;
      },
      list: async <T extends KubeObject>() => ({ items: items as T[], resourceVersion: '1' }),
    };
    const result = await new TektonExecutor(new TektonApiServer(run), { reader }).getStatus(
      wfe,
      namespace,
    );
    expect(gets).toBe(0);
    expect(result?.summary).toMatchObject({ completedTasks: 3, totalTasks: 3 });
  });
});

describe('TektonExecutor.getStatus of a finished run, from a cache behind its TaskRuns', () => {
  /** A run that failed because its one task's step ran out of memory. */
  function oomRun(): Run {
    const run = storedRun('False');
    const name = run.metadata?.name as string;
    run.status = {
      conditions: [
        {
          type: 'Succeeded',
          status: 'False',
          reason: 'Failed',
          message: 'Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 0',
        },
      ],
      startTime: '2026-01-01T00:00:00Z',
      completionTime: '2026-01-01T00:05:00Z',
      childReferences: childReferences(name, ['build', 'deploy']),
    };
    return run;
  }

  /** A child TaskRun of the run with uid `runUid`, as Tekton labels it. */
  function child(
    task: string,
    status: 'True' | 'False' | 'Unknown',
    options: { runUid?: string; oom?: boolean } = {},
  ): KubeObject {
    const name = `${storedRun('False').metadata?.name}-${task}`;
    const reason = { True: 'Succeeded', False: 'StepOOM', Unknown: 'Running' }[status];
    return {
      apiVersion: 'tekton.dev/v1',
      kind: 'TaskRun',
      metadata: {
        name,
        namespace,
        labels: {
          'tekton.dev/pipelineRun': storedRun('False').metadata?.name as string,
          'tekton.dev/pipelineRunUID': options.runUid ?? 'run-uid',
        },
      },
      status: {
        conditions: [{ type: 'Succeeded', status, reason }],
        steps: options.oom
          ? [{ name: 'run', terminated: { exitCode: 137, reason: 'OOMKilled' } }]
          : status === 'Unknown'
            ? [{ name: 'run', running: {} }]
            : [{ name: 'run', terminated: { exitCode: 0, reason: 'Completed' } }],
      },
    };
  }

  /** The API server: the run and its children as they are now. */
  class ApiServer extends KubeClient {
    reads: string[] = [];
    constructor(
      readonly run: Run,
      readonly taskRuns: KubeObject[],
    ) {
      super(new KubeConfig());
    }
    override async get<T extends KubeObject>(
      type: ResourceType,
      _ns: string | undefined,
      name: string,
    ): Promise<T | null> {
      if (type.kind === 'PipelineRun') return structuredClone(this.run) as T;
      this.reads.push(`get ${name}`);
      return (structuredClone(this.taskRuns.find((t) => t.metadata?.name === name)) ??
        null) as T | null;
    }
    override async list<T extends KubeObject>() {
      this.reads.push('list');
      return { items: structuredClone(this.taskRuns) as T[], resourceVersion: '2' };
    }
  }

  /** The run's children as they are now: `build` succeeded, `deploy` ran out of memory. */
  const oomChildren = () => [child('build', 'True'), child('deploy', 'False', { oom: true })];

  const oomFailure = {
    phase: 'Failed',
    failureReason: 'OOMKilled',
    failedTaskIndex: 1,
    failedStepName: 'run',
    exitCode: 137,
    summary: { completedTasks: 1, totalTasks: 2 },
  };

  it('reads from the API server a child the cache still holds unfinished', async () => {
    const run = oomRun();
    const server = new ApiServer(run, oomChildren());
    const cache = holding(run, [child('build', 'True'), child('deploy', 'Unknown')]);
    const result = await new TektonExecutor(server, { reader: cache }).getStatus(wfe, namespace);
    expect(result).toMatchObject({ ...oomFailure, failedTaskName: `${run.metadata?.name}-deploy` });
    // Only the child the cache could not vouch for cost a request.
    expect(server.reads).toEqual([`get ${run.metadata?.name}-deploy`]);
  });

  it('reads from the API server a child the cache has not seen, and one it holds for an earlier run of the lock', async () => {
    const run = oomRun();
    const server = new ApiServer(run, oomChildren());
    // The earlier run's `build` failed; its delete has not reached the cache.
    const cache = holding(run, [child('build', 'False', { runUid: 'earlier-run' })]);
    const result = await new TektonExecutor(server, { reader: cache }).getStatus(wfe, namespace);
    expect(result).toMatchObject({ ...oomFailure, failedTaskName: `${run.metadata?.name}-deploy` });
  });

  it('never counts a child of another run of the lock, even from the API server', async () => {
    const run = oomRun();
    const server = new ApiServer(run, [
      child('build', 'True', { runUid: 'earlier-run' }),
      child('deploy', 'False', { oom: true }),
    ]);
    const result = await new TektonExecutor(server).getStatus(wfe, namespace);
    expect(result?.summary).toMatchObject({ completedTasks: 0, totalTasks: 2 });
  });

  it('reads every TaskRun from the API server on a fresh read', async () => {
    const run = oomRun();
    const server = new ApiServer(run, oomChildren());
    // A cache that says both tasks succeeded, which a fresh read must not believe either.
    const cache = holding(run, [child('build', 'True'), child('deploy', 'True')]);
    const executor = new TektonExecutor(server, { reader: cache });
    expect(await executor.getStatus(wfe, namespace, { fresh: true })).toMatchObject({
      ...oomFailure,
      failedTaskName: `${run.metadata?.name}-deploy`,
    });
    expect(server.reads).toEqual(['list']);
  });

  it('trusts the cache while the run still runs, sending no request', async () => {
    const run = oomRun();
    run.status = {
      ...(run.status as object),
      conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }],
    };
    const server = new ApiServer(run, [child('build', 'True'), child('deploy', 'True')]);
    const cache = holding(run, [child('build', 'True'), child('deploy', 'Unknown')]);
    const result = await new TektonExecutor(server, { reader: cache }).getStatus(wfe, namespace);
    expect(result?.summary).toMatchObject({ completedTasks: 1, totalTasks: 2 });
    expect(server.reads).toEqual([]);
  });
});

describe('TektonExecutor.getStatus when TaskRuns cannot be read', () => {
  const forbidden = () =>
    new KubernetesApiError('Forbidden', 'taskruns.tekton.dev is forbidden: cannot list', 403);

  /** A finished run with `build` and `deploy` children. */
  function finishedRun(status: 'True' | 'False', reason: string): Run {
    const run = storedRun(status);
    const name = run.metadata?.name as string;
    run.status = {
      conditions: [{ type: 'Succeeded', status, reason, message: `run ${reason}` }],
      startTime: '2026-01-01T00:00:00Z',
      childReferences: childReferences(name, ['build', 'deploy']),
    };
    return run;
  }

  /** An API server that serves the run and refuses every TaskRun read but those in `served`. */
  class RefusingServer extends KubeClient {
    constructor(
      readonly run: Run,
      readonly served: KubeObject[] = [],
    ) {
      super(new KubeConfig());
    }
    override async get<T extends KubeObject>(
      type: ResourceType,
      _ns: string | undefined,
      name: string,
      options?: { signal?: AbortSignal },
    ): Promise<T | null> {
      options?.signal?.throwIfAborted();
      if (type.kind === 'PipelineRun') return structuredClone(this.run) as T;
      const served = this.served.find((t) => t.metadata?.name === name);
      if (served) return structuredClone(served) as T;
      throw forbidden();
    }
    override async list<T extends KubeObject>(
      _type: ResourceType,
      _ns: string | undefined,
      options?: { signal?: AbortSignal },
    ): Promise<{ items: T[]; resourceVersion: string }> {
      options?.signal?.throwIfAborted();
      if (this.served.length > 0) return { items: [], resourceVersion: '1' };
      throw forbidden();
    }
  }

  it.each([false, true])(
    'completes a succeeded run all the same (fresh read: %s)',
    async (fresh) => {
      const server = new RefusingServer(finishedRun('True', 'Succeeded'));
      expect(await new TektonExecutor(server).getStatus(wfe, namespace, { fresh })).toMatchObject({
        phase: 'Completed',
        reason: 'Succeeded',
        message: 'run Succeeded',
        summary: { status: 'True', totalTasks: 2 },
      });
    },
  );

  it('fails a failed run all the same, saying what is missing', async () => {
    const server = new RefusingServer(finishedRun('False', 'Failed'));
    const result = await new TektonExecutor(server).getStatus(wfe, namespace);
    expect(result).toMatchObject({
      phase: 'Failed',
      reason: 'Failed',
      failureReason: 'TaskFailed',
      message:
        'run Failed; 2 of its TaskRuns could not be read (Forbidden): the failed task and step may be missing',
    });
    expect(result).not.toHaveProperty('failedTaskName');
  });

  it('never says nothing ran when a task it could not read may have succeeded', async () => {
    // Tekton could not create a later task; the first ran, for all anyone can tell.
    const server = new RefusingServer(finishedRun('False', 'CreateRunFailed'));
    expect((await new TektonExecutor(server).getStatus(wfe, namespace))?.failureReason).toBe(
      'TaskFailed',
    );
  });

  it('keeps the details of the TaskRuns it could read', async () => {
    const run = finishedRun('False', 'Failed');
    const name = run.metadata?.name as string;
    const failed: KubeObject = {
      metadata: { name: `${name}-deploy`, namespace },
      status: {
        conditions: [{ type: 'Succeeded', status: 'False', reason: 'Failed' }],
        steps: [{ name: 'apply', terminated: { exitCode: 2, reason: 'Error' } }],
      },
    };
    const result = await new TektonExecutor(new RefusingServer(run, [failed])).getStatus(
      wfe,
      namespace,
    );
    expect(result).toMatchObject({
      failedTaskName: `${name}-deploy`,
      failedStepName: 'apply',
      exitCode: 2,
    });
    expect(result?.message).toContain('1 of its TaskRuns could not be read (Forbidden)');
  });

  it('throws when the caller gave up, rather than answer without the TaskRuns', async () => {
    const server = new RefusingServer(finishedRun('True', 'Succeeded'));
    const controller = new AbortController();
    server.list = async () => {
      controller.abort();
      throw forbidden();
    };
    await expect(
      new TektonExecutor(server).getStatus(wfe, namespace, { signal: controller.signal }),
    ).rejects.toMatchObject({ reason: 'Forbidden' });
  });
});

describe('TektonExecutor.getStatus of a run none of whose tasks can start', () => {
  const minuteAgo = () => new Date(Date.now() - 60_000).toISOString();

  /** A running run with one child, `build`, created at `created`. */
  function runningRun(created: string): Run {
    const run = storedRun('Unknown');
    const name = run.metadata?.name as string;
    run.metadata = { ...run.metadata, creationTimestamp: created };
    run.status = {
      conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }],
      startTime: created,
      childReferences: [{ kind: 'TaskRun', name: `${name}-build`, pipelineTaskName: 'build' }],
    };
    return run;
  }

  /** Its `build` TaskRun, Unknown with `reason`. */
  function build(run: Run, reason: string): KubeObject {
    const name = `${run.metadata?.name}-build`;
    return {
      metadata: { name, namespace },
      status: {
        conditions: [
          {
            type: 'Succeeded',
            status: 'Unknown',
            reason,
            message: `TaskRun Pod exceeded available resources: pods "${name}-pod" is forbidden: exceeded quota: compute`,
          },
        ],
      },
    };
  }

  it('fails it with the cause once the startup grace has passed, saying nothing ran', async () => {
    const run = runningRun(minuteAgo());
    const server = holding(run, [build(run, 'ExceededResourceQuota')]);
    expect(await new TektonExecutor(server).getStatus(wfe, namespace)).toMatchObject({
      phase: 'Failed',
      reason: 'StartFailed',
      message: expect.stringMatching(
        /^TaskRun wfe-\w+-build \(pipeline task build\) cannot start: ExceededResourceQuota: .*exceeded quota: compute$/,
      ),
      failureReason: 'ResourceExhausted',
      failedTaskName: `${run.metadata?.name}-build`,
      started: false,
    });
  });

  it('waits within the startup grace', async () => {
    const run = runningRun(new Date().toISOString());
    const server = holding(run, [build(run, 'ExceededResourceQuota')]);
    expect(await new TektonExecutor(server).getStatus(wfe, namespace)).toMatchObject({
      phase: 'Running',
      reason: 'Running',
    });
    const impatient = new TektonExecutor(server, { startupGraceMs: 0 });
    expect((await impatient.getStatus(wfe, namespace))?.reason).toBe('StartFailed');
  });

  it('waits when the API server says the task started, whatever the cache still holds', async () => {
    const run = runningRun(minuteAgo());
    const server = holding(run, [build(run, 'Running')]);
    const cache = holding(run, [build(run, 'ExceededResourceQuota')]);
    expect(
      await new TektonExecutor(server, { reader: cache }).getStatus(wfe, namespace),
    ).toMatchObject({ phase: 'Running', reason: 'Running' });
  });
});

describe("TektonExecutor.getStatus of kubernaut's failure classification cases, with each preset", () => {
  const presets = { kubernaut: kubernautConventions, roundhouse: roundhouseConventions };

  /** This execution's PipelineRun as `conventions` label it, ended with `reason` and `message`. */
  function failedRun(
    conventions: Conventions,
    reason: string,
    message: string,
    options: { startTime?: boolean; tasks?: string[] } = {},
  ): Run {
    const built = buildPipelineRun(wfe, namespace, undefined, {
      conventions,
      serviceAccountName: 'runner',
      pipelineName: 'workflow',
    });
    const name = built.metadata?.name as string;
    return {
      ...built,
      metadata: { ...built.metadata, uid: 'run-uid' },
      status: {
        conditions: [{ type: 'Succeeded', status: 'False', reason, message }],
        ...(options.startTime ? { startTime: '2026-01-01T00:00:00Z' } : {}),
        ...(options.tasks
          ? {
              childReferences: childReferences(name, options.tasks),
            }
          : {}),
      },
    };
  }

  const status = (preset: keyof typeof presets, server: KubeClient) =>
    new TektonExecutor(server, { conventions: presets[preset] }).getStatus(wfe, namespace);

  it.each(kubernautFailureCases)(
    '%s (%s), started %s: %s with the kubernaut preset, %s with the roundhouse preset',
    async (reason, message, startTime, kubernaut, roundhouse) => {
      for (const [preset, failureReason] of [
        ['kubernaut', kubernaut],
        ['roundhouse', roundhouse],
      ] as const) {
        const run = failedRun(presets[preset], reason, message, { startTime });
        const result = await status(preset, holding(run, []));
        expect(result).toMatchObject({ phase: 'Failed', reason, started: startTime });
        expect(result?.failureReason, preset).toBe(failureReason);
      }
    },
  );

  it('reads the words of a run with TaskRuns, none of which failed, read or not', async () => {
    const message = 'task failed: OOMKilled';
    for (const [preset, failureReason] of [
      ['kubernaut', 'OOMKilled'],
      ['roundhouse', 'TaskFailed'],
    ] as const) {
      const run = failedRun(presets[preset], 'Failed', message, { tasks: ['build'] });
      const built: KubeObject = {
        apiVersion: 'tekton.dev/v1',
        kind: 'TaskRun',
        metadata: { name: `${run.metadata?.name}-build`, namespace },
        status: { conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }] },
      };
      const read = await status(preset, holding(run, [built]));
      expect(read?.failureReason, preset).toBe(failureReason);
      const unread = await status(preset, holding(run));
      expect(unread?.message).toContain('1 of its TaskRuns could not be read');
      expect(unread?.failureReason, preset).toBe(failureReason);
    }
  });
});

describe('TektonExecutor.getStatus of a run no Tekton controller has written a status for', () => {
  const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

  /** This execution's PipelineRun as created, with no status, created at `created`. */
  function unreconciled(created: string): Run {
    const { status: _none, ...run } = storedRun('Unknown');
    return { ...run, metadata: { ...run.metadata, creationTimestamp: created } };
  }

  it('fails it once the controller grace has passed, naming the cause and the fix', async () => {
    const result = await new TektonExecutor(holding(unreconciled(ago(180_000)), [])).getStatus(
      wfe,
      namespace,
    );
    const message = `no Tekton controller has written this PipelineRun's status in the 2m0s since it was created: is Tekton Pipelines installed, and its controller (tekton-pipelines-controller) running and watching namespace ${namespace}?`;
    expect(result).toEqual({
      phase: 'Failed',
      reason: 'StartFailed',
      message,
      summary: {
        status: 'False',
        reason: 'StartFailed',
        message,
        completedTasks: 0,
        totalTasks: 0,
      },
      failureReason: 'ConfigurationError',
      started: false,
    });
  });

  it('waits within the controller grace, which is an option', async () => {
    const server = holding(unreconciled(ago(60_000)), []);
    expect(await new TektonExecutor(server).getStatus(wfe, namespace)).toMatchObject({
      phase: 'Running',
      reason: 'Pending',
    });
    const impatient = new TektonExecutor(server, { controllerGraceMs: 30_000 });
    expect(await impatient.getStatus(wfe, namespace)).toMatchObject({
      reason: 'StartFailed',
      message: expect.stringContaining('in the 30s since it was created'),
    });
  });

  it('waits when the API server holds a status the cache has not seen yet', async () => {
    const stale = unreconciled(ago(180_000));
    const written = { ...stale, status: storedRun('Unknown').status };
    const executor = new TektonExecutor(holding(written, []), { reader: holding(stale, []) });
    // The cache's copy is read as it is, and not failed.
    expect(await executor.getStatus(wfe, namespace)).toMatchObject({
      phase: 'Running',
      reason: 'Pending',
    });
  });
});

describe('TektonExecutor.getStatus of a run whose next TaskRun a ResourceQuota refuses', () => {
  /** Tekton's record of the refusal (v1.15.1), on the run with uid `run-uid`. */
  const refusal = (taskRun: string): KubeObject => ({
    metadata: { name: `${taskRun}.1`, namespace },
    involvedObject: { kind: 'PipelineRun', uid: 'run-uid' },
    type: 'Warning',
    reason: 'TaskRunsCreationFailed',
    message: `Failed to create TaskRuns ["${taskRun}"]: taskruns.tekton.dev "${taskRun}" is forbidden: exceeded quota: no-taskruns, requested: count/taskruns.tekton.dev=1, used: count/taskruns.tekton.dev=0, limited: count/taskruns.tekton.dev=0`,
  });

  /** A run Tekton has started and resolved, created a minute ago, with `children`. */
  function resolved(children: string[]): Run {
    const run = storedRun('Unknown');
    const created = new Date(Date.now() - 60_000).toISOString();
    return {
      ...run,
      metadata: { ...run.metadata, creationTimestamp: created },
      status: {
        conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'ResolvingTaskRef' }],
        startTime: created,
        childReferences: childReferences(run.metadata?.name as string, children),
      },
    };
  }

  /** `holding`, whose Events are `events` and which records the field selectors they are listed with. */
  function withEvents(run: Run, taskRuns: KubeObject[], events: KubeObject[]) {
    const server = holding(run, taskRuns);
    const list = server.list.bind(server);
    const selectors: unknown[] = [];
    server.list = (async (type: ResourceType, ns: string, options?: { fieldSelector?: string }) => {
      if (type.kind !== 'Event') return list(type, ns, options);
      selectors.push(options?.fieldSelector);
      return { items: structuredClone(events), resourceVersion: '1' };
    }) as typeof server.list;
    return Object.assign(server, { selectors });
  }

  it('fails a run none of whose TaskRuns could be created with the cause, saying nothing ran', async () => {
    const run = resolved([]);
    const name = run.metadata?.name as string;
    const server = withEvents(run, [], [refusal(`${name}-build`)]);
    const result = await new TektonExecutor(server).getStatus(wfe, namespace);
    expect(result).toMatchObject({
      phase: 'Failed',
      reason: 'StartFailed',
      message: `the PipelineRun cannot create its next run: Failed to create TaskRuns ["${name}-build"]: taskruns.tekton.dev "${name}-build" is forbidden: exceeded quota: no-taskruns, resources: count/taskruns.tekton.dev`,
      failureReason: 'ResourceExhausted',
      failedTaskName: `${name}-build`,
      started: false,
    });
    // The run's own Events: a previous run of the same name had other ones.
    expect(server.selectors).toEqual(['involvedObject.uid=run-uid']);
  });

  it('waits, and says why, when its Events may not be read', async () => {
    const run = resolved([]);
    const server = holding(run, []);
    const list = server.list.bind(server);
    server.list = (async (type: ResourceType, ns: string, options?: object) => {
      if (type.kind !== 'Event') return list(type, ns, options);
      throw new KubernetesApiError('Forbidden', 'events is forbidden: cannot list', 403);
    }) as typeof server.list;
    const warn = vi.fn();
    const logger = { ...noopLogger, warn };
    expect(await new TektonExecutor(server, { logger }).getStatus(wfe, namespace)).toMatchObject({
      phase: 'Running',
      reason: 'ResolvingTaskRef',
    });
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ reason: 'Forbidden' }),
      "could not read the PipelineRun's Events; a child run a quota refuses is not seen",
    );
  });

  it('waits within the startup grace, and while the API server shows the TaskRun created', async () => {
    const run = resolved([]);
    const name = run.metadata?.name as string;
    const fresh = {
      ...run,
      metadata: { ...run.metadata, creationTimestamp: new Date().toISOString() },
    };
    const within = withEvents(fresh, [], [refusal(`${name}-build`)]);
    expect((await new TektonExecutor(within).getStatus(wfe, namespace))?.phase).toBe('Running');
    const created = resolved(['build']);
    const building: KubeObject = {
      metadata: { name: `${name}-build`, namespace },
      status: { conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }] },
    };
    const live = withEvents(created, [building], [refusal(`${name}-build`)]);
    const cache = withEvents(run, [], [refusal(`${name}-build`)]);
    expect(
      await new TektonExecutor(live, { reader: cache }).getStatus(wfe, namespace),
    ).toMatchObject({ phase: 'Running', reason: 'ResolvingTaskRef' });
  });
  it('does not fail it once Tekton created the refused TaskRun, before the run lists it', async () => {
    const run = resolved([]);
    const name = run.metadata?.name as string;
    // The quota freed after the Event, which stays for an hour.
    const building: KubeObject = {
      metadata: {
        name: `${name}-build`,
        namespace,
        labels: { 'tekton.dev/pipelineRun': name, 'tekton.dev/pipelineRunUID': 'run-uid' },
      },
      status: { conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }] },
    };
    const server = withEvents(run, [building], [refusal(`${name}-build`)]);
    expect(await new TektonExecutor(server).getStatus(wfe, namespace)).toMatchObject({
      phase: 'Running',
      reason: 'ResolvingTaskRef',
    });
  });
});

describe('TektonExecutor.getStatus of a finished run whose TaskRuns were deleted', () => {
  it('counts a child TaskRun that is gone as one that may have run, and says it is missing', async () => {
    const run = storedRun('False');
    const name = run.metadata?.name as string;
    const message = `Failed to create TaskRun "${name}-deploy": TaskRun.tekton.dev "${name}-deploy" is invalid`;
    run.status = {
      conditions: [{ type: 'Succeeded', status: 'False', reason: 'CreateRunFailed', message }],
      startTime: '2026-01-01T00:00:00Z',
      childReferences: childReferences(name, ['build']),
    };
    // `build` ran before Tekton could not create `deploy`; a pruner deleted it since.
    const result = await new TektonExecutor(holding(run, [])).getStatus(wfe, namespace);
    expect(result).toMatchObject({
      phase: 'Failed',
      reason: 'CreateRunFailed',
      message: `${message}; 1 of its TaskRuns could not be read (NotFound): the failed task and step may be missing`,
      failureReason: 'TaskFailed',
      started: true,
    });
  });
});
