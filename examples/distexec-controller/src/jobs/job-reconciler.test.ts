import type { InformerCache } from '@roundhouse/controller';
import { type Executor, noopLogger, roundhouseConventions } from '@roundhouse/core';
import {
  type KubeClient,
  type KubeObject,
  KubernetesApiError,
  kubernetesErrorFromResponse,
  kubernetesErrorFromTransport,
  type Reader,
  ResourceExecutor,
  type ResourceType,
  resources,
} from '@roundhouse/kube';
import { MemoryKubeClient } from '@roundhouse/kube/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeDistExecApi } from '../fake-api.test-support.js';
import type { NodeDirectory } from '../nodes.js';
import { jobsFinalizer, nodeFinalizer } from '../resource.js';
import { distExecView } from '../spec.js';
import { jobsInFlightByNamespace, jobsInFlightByOwner } from './job-index.js';
import { JobModeReconciler, type JobModeReconcilerOptions } from './job-reconciler.js';
import {
  maxUnansweredReads,
  NamespaceJobRoom,
  unansweredHoldMs,
  unansweredReadIntervalMs,
} from './namespace-room.js';
import { buildNodeJob, nodeExecution, nodeJobResourceEngine } from './node-job.js';

const executionNamespace = 'distexec-jobs';

/** DistExec ops/hello of `uid` at generation 1, with `metadata` over its own. */
function distExec(uid: string, metadata: KubeObject['metadata'] = {}): KubeObject {
  return {
    apiVersion: 'roundhouse.dev/v1alpha1',
    kind: 'DistExec',
    metadata: {
      name: 'hello',
      namespace: 'ops',
      uid,
      generation: 1,
      resourceVersion: '1',
      ...metadata,
    },
    spec: { command: 'echo hello' },
  };
}

function deleting(uid: string): KubeObject {
  return distExec(uid, { finalizers: [jobsFinalizer], deletionTimestamp: '2026-01-01T00:00:00Z' });
}

const jobSettings = {
  conventions: roundhouseConventions,
  serviceAccountName: 'runner',
  securityProfile: 'restricted',
} as const;

/** The node Job the controller creates for attempt 1 on `node` of `object`. */
function nodeJobOf(object: KubeObject, node: string): KubeObject {
  const view = distExecView(object);
  const spec = view.spec.valid ? view.spec.value : { command: '' };
  const job = buildNodeJob(
    nodeExecution(view, spec, node, 1, 'busybox:1.37'),
    executionNamespace,
    jobSettings,
  );
  return { ...job, metadata: { ...job.metadata, uid: `job-${node}` } } as KubeObject;
}

/** A reconciler of `api`'s DistExec with no Jobs, Nodes or engine but those `parts` give. */
function reconcilerOver(
  api: FakeDistExecApi,
  parts: Partial<Pick<JobModeReconcilerOptions, 'client' | 'jobs' | 'nodes' | 'executor' | 'now'>>,
): JobModeReconciler {
  return new JobModeReconciler({ ...optionsOver(api), ...parts });
}

/** The options of a reconciler of `api`'s DistExec with no Jobs, Nodes or engine. */
function optionsOver(api: FakeDistExecApi): JobModeReconcilerOptions {
  return {
    client: api.client,
    cache: { get: async () => api.stored } as unknown as InformerCache,
    distExecs: { observe: () => {} },
    jobs: { byIndex: () => [], get: () => undefined, on: () => {}, resourceVersion: '' },
    nodes: {} as NodeDirectory,
    executor: {} as Executor,
    conventions: roundhouseConventions,
    executionNamespace,
    image: 'busybox:1.37',
    allowedImages: ['*'],
    tolerations: [],
    timeouts: { defaultSeconds: 3600, maxSeconds: 86_400 },
    resyncMs: 60_000,
  };
}

const reconcileContext = () => ({
  signal: new AbortController().signal,
  logger: noopLogger,
  attempt: 0,
});

describe('JobModeReconciler, deleting a DistExec', () => {
  it("deletes a Job the cache does not show yet before letting the DistExec go, and no other incarnation's", async () => {
    const object = deleting('u-1');
    const api = new FakeDistExecApi(object);
    // Created by the reconcile just before the deletion; the Jobs informer has not seen it.
    const fresh = nodeJobOf(object, 'worker-1');
    // The same DistExec's name in an earlier incarnation: not this one's to delete.
    const older = nodeJobOf(deleting('u-0'), 'worker-2');
    const deleted: string[] = [];
    const lists: { namespace: string | undefined; labelSelector: string | undefined }[] = [];
    const client = {
      ...api.client,
      patch: api.client.patch,
      async list(
        _type: unknown,
        namespace: string | undefined,
        options: { labelSelector?: string },
      ) {
        lists.push({ namespace, labelSelector: options.labelSelector });
        return { items: [fresh, older], resourceVersion: '9' };
      },
      async delete(_type: unknown, _namespace: unknown, name: string) {
        deleted.push(name);
      },
    } as unknown as KubeClient;
    const reconciler = reconcilerOver(api, { client });

    await reconciler.reconcile('ops/hello', reconcileContext());

    expect(lists).toEqual([
      {
        namespace: executionNamespace,
        labelSelector:
          'roundhouse.dev/workflow-execution=hello,roundhouse.dev/source-namespace=ops',
      },
    ]);
    expect(deleted).toEqual([fresh.metadata?.name]);
    expect(api.stored.metadata?.finalizers ?? []).toEqual([]);
  });
});

describe('JobModeReconciler, node finalizers', () => {
  it('reads no Node for node finalizers an author added, which Job mode never holds', async () => {
    const object = distExec('u-1', {
      // Each one named a Node to look up live on every reconcile of this DistExec.
      finalizers: Array.from({ length: 1_000 }, (_, i) => nodeFinalizer(`ghost-${i}`)),
    });
    const api = new FakeDistExecApi(object);
    const looked: string[][] = [];
    const reconciler = reconcilerOver(api, {
      nodes: {
        selected: () => [],
        known: () => new Set<string>(),
        missing: async (names: readonly string[]) => {
          looked.push([...names]);
          return [...names];
        },
      } as unknown as NodeDirectory,
    });

    const result = await reconciler.reconcile('ops/hello', reconcileContext());

    expect(result).toBeUndefined();
    expect(looked.flat()).toEqual([]);
    expect(api.writes).toBe(0);
  });
});

describe('JobModeReconciler, a DistExec created again under a deleted one’s name', () => {
  it('deletes the Jobs its predecessor left, whose names its own attempts need', async () => {
    const live = distExec('u-2');
    // Finished (so it held no finalizer) and deleted while no controller ran: no reconcile saw
    // it go, and its Job, named like attempt 1 of the new one, stayed.
    const finished = {
      ...deleting('u-1'),
      metadata: { ...deleting('u-1').metadata, finalizers: [] },
    };
    const predecessors = nodeJobOf(finished, 'worker-1');
    const api = new FakeDistExecApi(live);
    const deleted: string[] = [];
    const reconciler = reconcilerOver(api, {
      client: {
        ...api.client,
        patch: api.client.patch,
        get: api.client.get,
        async delete(_type: unknown, _namespace: unknown, name: string) {
          deleted.push(name);
        },
      } as unknown as KubeClient,
      jobs: {
        byIndex: () => (deleted.length > 0 ? [] : [predecessors]),
        get: () => undefined,
        on: () => {},
        resourceVersion: '',
      },
      nodes: {
        selected: () => ['worker-1'],
        known: () => new Set(['worker-1']),
        missing: async () => [],
      } as unknown as NodeDirectory,
      executor: {
        create: async () => ({ status: 'created' }),
        getStatus: async () => null,
      } as unknown as Executor,
    });

    await reconciler.reconcile('ops/hello', reconcileContext());

    expect(deleted).toEqual([predecessors.metadata?.name]);
  });
});

describe('JobModeReconciler, a retry on a node cordoned or down since its attempt started', () => {
  it('starts no Job there until the node opens again, keeping the finalizer meanwhile', async () => {
    const object: KubeObject = {
      ...distExec('u-1', { finalizers: [jobsFinalizer] }),
      spec: { command: 'echo hello', retries: 1 },
      status: {
        results: {
          'worker-1': {
            phase: 'Running',
            startedAt: '2026-01-01T00:00:00Z',
            attempts: 1,
            observedGeneration: 1,
          },
        },
      },
    };
    const api = new FakeDistExecApi(object);
    let open = false;
    const created: string[] = [];
    const reconciler = reconcilerOver(api, {
      // worker-1 is cordoned: selected only while it holds the current attempt, as `selected`
      // keeps a node whose entry is of the current generation.
      nodes: {
        selected: (view: { results: Record<string, unknown> }) =>
          open || 'worker-1' in view.results ? ['worker-1'] : [],
        known: () => new Set(['worker-1']),
        missing: async () => [],
      } as unknown as NodeDirectory,
      executor: {
        create: async (wfe: { spec: { targetResource: string } }) => {
          created.push(wfe.spec.targetResource);
          return { status: 'created' };
        },
        getStatus: async () => ({ phase: 'Failed', reason: 'Failed', exitCode: 1 }),
      } as unknown as Executor,
    });

    const waiting = await reconciler.reconcile('ops/hello', reconcileContext());

    expect(created).toEqual([]);
    expect(waiting).toEqual({ requeueAfter: 60_000 });
    expect(api.stored.metadata?.finalizers).toEqual([jobsFinalizer]);
    expect(api.stored.status).toMatchObject({ results: { 'worker-1': { attempts: 1 } } });

    open = true;
    await reconciler.reconcile('ops/hello', reconcileContext());

    expect(created).toEqual(['ops/distexec/hello.worker-1.n8.g1.a2']);
    expect(api.stored.status).toMatchObject({
      results: { 'worker-1': { phase: 'Running', attempts: 2 } },
    });
  });
});

describe("JobModeReconciler, an earlier attempt's Job", () => {
  /** The node Job of `attempt` on worker-1 of `object`, finished or running. */
  function attemptJob(object: KubeObject, attempt: number, finished: boolean): KubeObject {
    const view = distExecView(object);
    const spec = view.spec.valid ? view.spec.value : { command: '' };
    const job = buildNodeJob(
      nodeExecution(view, spec, 'worker-1', attempt, 'busybox:1.37'),
      executionNamespace,
      jobSettings,
    );
    return {
      ...job,
      metadata: { ...job.metadata, uid: `job-a${attempt}` },
      status: finished ? { failed: 1 } : { active: 1 },
    } as KubeObject;
  }

  /** ops/hello with 2 retries, whose worker-1 entry records `attempts`, running. */
  function retrying(attempts: number): KubeObject {
    return {
      ...distExec('u-1', { finalizers: [jobsFinalizer] }),
      spec: { command: 'echo hello', retries: 2 },
      status: {
        results: {
          'worker-1': {
            phase: 'Running',
            startedAt: '2026-01-01T00:00:00Z',
            attempts,
            observedGeneration: 1,
          },
        },
      },
    };
  }

  function reconcilerOf(api: FakeDistExecApi, jobs: KubeObject[], current: 'running' | 'failed') {
    const deleted: string[] = [];
    const created: string[] = [];
    const reconciler = reconcilerOver(api, {
      client: {
        ...api.client,
        patch: api.client.patch,
        get: api.client.get,
        async delete(_type: unknown, _namespace: unknown, name: string) {
          deleted.push(name);
        },
      } as unknown as KubeClient,
      jobs: {
        byIndex: () => jobs.filter((job) => !deleted.includes(job.metadata?.name ?? '')),
        get: () => undefined,
        on: () => {},
        resourceVersion: '',
      },
      nodes: {
        selected: () => ['worker-1'],
        known: () => new Set(['worker-1']),
        missing: async () => [],
      } as unknown as NodeDirectory,
      executor: {
        create: async (wfe: { spec: { targetResource: string } }) => {
          created.push(wfe.spec.targetResource);
          return { status: 'created' };
        },
        getStatus: async () =>
          current === 'running'
            ? { phase: 'Running' }
            : { phase: 'Failed', reason: 'Failed', exitCode: 1 },
      } as unknown as Executor,
    });
    return { reconciler, deleted, created };
  }

  it('is deleted once the status records a later attempt, and the current one is kept', async () => {
    const object = retrying(2);
    const first = attemptJob(object, 1, true);
    const second = attemptJob(object, 2, false);
    const api = new FakeDistExecApi(object);
    const { reconciler, deleted } = reconcilerOf(api, [first, second], 'running');

    await reconciler.reconcile('ops/hello', reconcileContext());

    expect(deleted).toEqual([first.metadata?.name]);
  });

  it('is kept while the attempt after it is only being started, until its entry is written', async () => {
    const object = retrying(1);
    const first = attemptJob(object, 1, true);
    const api = new FakeDistExecApi(object);
    const { reconciler, deleted, created } = reconcilerOf(api, [first], 'failed');

    await reconciler.reconcile('ops/hello', reconcileContext());

    expect(created).toEqual(['ops/distexec/hello.worker-1.n8.g1.a2']);
    expect(deleted).toEqual([]);
    expect(api.stored.status).toMatchObject({ results: { 'worker-1': { attempts: 2 } } });
  });
});

describe('JobModeReconciler, Jobs the API server refuses (a full quota)', () => {
  const quotaRefusal = () =>
    new KubernetesApiError(
      'Forbidden',
      'create Job distexec-jobs/x: jobs.batch "x" is forbidden: exceeded quota: jobs, requested: count/jobs.batch=1, used: count/jobs.batch=1, limited: count/jobs.batch=1',
      403,
    );
  const threeNodes = {
    selected: () => ['worker-1', 'worker-2', 'worker-3'],
    known: () => new Set(['worker-1', 'worker-2', 'worker-3']),
    missing: async () => [],
  } as unknown as NodeDirectory;

  it("records the server's answer on each node left without a Job, tries no more creates past it, and retries with backoff", async () => {
    const api = new FakeDistExecApi(distExec('u-1'));
    const created: string[] = [];
    let room = 1;
    const reconciler = reconcilerOver(api, {
      nodes: threeNodes,
      executor: {
        create: async (wfe: { spec: { targetResource: string } }) => {
          created.push(wfe.spec.targetResource);
          if (room === 0) throw quotaRefusal();
          room -= 1;
          return { status: 'created' };
        },
        getStatus: async () => null,
      } as unknown as Executor,
    });

    await expect(reconciler.reconcile('ops/hello', reconcileContext())).rejects.toMatchObject({
      reason: 'JobsRefused',
      retryable: true,
    });

    // worker-1 got its Job; worker-2's was refused; worker-3's was not even asked for.
    expect(created).toHaveLength(2);
    const results = (api.stored.status as { results: Record<string, Record<string, unknown>> })
      .results;
    expect(results['worker-1']).toMatchObject({ phase: 'Running', attempts: 1 });
    expect(results['worker-1']?.reason).toBeUndefined();
    for (const node of ['worker-2', 'worker-3']) {
      expect(results[node]).toMatchObject({ phase: 'Running', reason: 'JobRefused', attempts: 1 });
      expect(results[node]?.message).toContain('exceeded quota: jobs');
    }
    // The execution namespace's usage is every tenant's: the quota and resource, no figures.
    expect(results['worker-2']?.message).toBe(
      'the API server refused the node\'s Job: create Job distexec-jobs/x: jobs.batch "x" is forbidden: exceeded quota: jobs, resources: count/jobs.batch',
    );
    expect(results['worker-3']?.message).not.toContain('used:');
    expect(api.stored.metadata?.finalizers).toEqual([jobsFinalizer]);

    // Room frees up: the refused nodes' attempt 1 is created, and their entries lose the refusal.
    room = 2;
    created.length = 0;
    await reconciler.reconcile('ops/hello', reconcileContext());

    expect(created).toEqual([
      'ops/distexec/hello.worker-2.n8.g1.a1',
      'ops/distexec/hello.worker-3.n8.g1.a1',
    ]);
    const after = (api.stored.status as { results: Record<string, Record<string, unknown>> })
      .results;
    for (const node of ['worker-2', 'worker-3']) {
      expect(after[node]).toMatchObject({ phase: 'Running', attempts: 1 });
      expect(after[node]?.reason).toBeUndefined();
    }
  });

  it("fails a node whose Job stays refused past the attempt's deadline with JobRefused and the server's answer, not Timeout", async () => {
    const object: KubeObject = {
      ...distExec('u-1', { finalizers: [jobsFinalizer] }),
      spec: { command: 'echo hello', timeoutSeconds: 60 },
      status: {
        results: {
          'worker-1': {
            phase: 'Running',
            reason: 'JobRefused',
            message:
              'the API server refused the node\'s Job: jobs.batch "x" is forbidden: exceeded quota: jobs',
            startedAt: '2026-01-01T00:00:00Z',
            attempts: 1,
            observedGeneration: 1,
          },
        },
      },
    };
    const api = new FakeDistExecApi(object);
    let now = new Date('2026-01-01T00:00:59Z');
    const created: string[] = [];
    const reconciler = reconcilerOver(api, {
      nodes: {
        selected: () => ['worker-1'],
        known: () => new Set(['worker-1']),
        missing: async () => [],
      } as unknown as NodeDirectory,
      executor: {
        create: async (wfe: { spec: { targetResource: string } }) => {
          created.push(wfe.spec.targetResource);
          throw quotaRefusal();
        },
        getStatus: async () => null,
      } as unknown as Executor,
      now: () => now,
    });

    // Within the deadline: created again, still refused, the first refusal's clock kept.
    await expect(reconciler.reconcile('ops/hello', reconcileContext())).rejects.toMatchObject({
      reason: 'JobsRefused',
    });
    expect(created).toEqual(['ops/distexec/hello.worker-1.n8.g1.a1']);
    expect(api.stored.status).toMatchObject({
      results: { 'worker-1': { phase: 'Running', startedAt: '2026-01-01T00:00:00Z' } },
    });

    now = new Date('2026-01-01T00:01:00Z');
    const result = await reconciler.reconcile('ops/hello', reconcileContext());

    expect(result).toBeUndefined();
    expect(created).toHaveLength(1);
    const entry = (api.stored.status as { results: Record<string, Record<string, unknown>> })
      .results['worker-1'];
    expect(entry).toMatchObject({ phase: 'Failed', reason: 'JobRefused', attempts: 1 });
    expect(entry?.message).toContain('within its deadline (60s)');
    expect(entry?.message).toContain('exceeded quota: jobs');
    expect(api.stored.metadata?.finalizers ?? []).toEqual([]);
  });
});

describe('JobModeReconciler, --max-jobs-per-namespace', () => {
  it("starts no more Jobs than the namespace's room, leaving the other nodes pending until a Job finishes", async () => {
    const api = new FakeDistExecApi(distExec('u-1'));
    const created: string[] = [];
    // Another DistExec of namespace ops holds one unfinished Job; the limit is 3.
    const inFlight: KubeObject[] = [{ metadata: { name: 'other-job' } }];
    const reconciler = new JobModeReconciler({
      ...optionsOver(api),
      maxJobsPerNamespace: 3,
      jobs: {
        byIndex: (index: string, key: string) =>
          index === jobsInFlightByNamespace && key === 'ops' ? inFlight : [],
        get: (_namespace: string | undefined, name: string) =>
          inFlight.find((job) => job.metadata?.name === name),
        on: () => {},
        resourceVersion: '',
      },
      nodes: {
        selected: () => ['worker-1', 'worker-2', 'worker-3', 'worker-4'],
        known: () => new Set(['worker-1', 'worker-2', 'worker-3', 'worker-4']),
        missing: async () => [],
      } as unknown as NodeDirectory,
      executor: {
        create: async (wfe: { spec: { targetResource: string } }) => {
          created.push(wfe.spec.targetResource);
          inFlight.push({ metadata: { name: wfe.spec.targetResource } });
          return { resourceName: wfe.spec.targetResource, warnings: [] };
        },
        getStatus: async () => ({ phase: 'Running', reason: 'Running', message: '' }),
      } as unknown as Executor,
    });

    const result = await reconciler.reconcile('ops/hello', reconcileContext());

    expect(created).toEqual([
      'ops/distexec/hello.worker-1.n8.g1.a1',
      'ops/distexec/hello.worker-2.n8.g1.a1',
    ]);
    expect(result).toEqual({ requeueAfter: 60_000 });
    expect(api.stored.metadata?.finalizers).toEqual([jobsFinalizer]);
    expect(api.stored.status).toMatchObject({
      summary: { nodes: 4, pending: 4 },
      results: { 'worker-1': { phase: 'Running' }, 'worker-2': { phase: 'Running' } },
    });
    expect(Object.keys((api.stored.status as { results: object }).results)).toHaveLength(2);

    // The other DistExec's Job finishes: one more node starts.
    inFlight.splice(0, 1);
    await reconciler.reconcile('ops/hello', reconcileContext());

    expect(created).toHaveLength(3);
    expect(created[2]).toBe('ops/distexec/hello.worker-3.n8.g1.a1');
  });

  it("gives a slot a large DistExec's own Job freed to a later DistExec of the namespace waiting with none, and wakes it", async () => {
    // large (older, four nodes) and small (two nodes) share namespace ops, which has room for 2.
    const apis = new Map([
      [
        'large',
        new FakeDistExecApi(
          distExec('u-l', { name: 'large', creationTimestamp: '2026-01-01T00:00:00Z' }),
        ),
      ],
      [
        'small',
        new FakeDistExecApi(
          distExec('u-s', { name: 'small', creationTimestamp: '2026-01-01T00:01:00Z' }),
        ),
      ],
    ]);
    const apiOf = (name: string) => apis.get(name) as FakeDistExecApi;
    const client = {
      get: (type: unknown, namespace: unknown, name: string) =>
        apiOf(name).client.get(type as never, namespace as never, name),
      patch: (type: unknown, namespace: unknown, name: string, ...rest: unknown[]) =>
        (apiOf(name).client.patch as (...args: unknown[]) => unknown)(
          type,
          namespace,
          name,
          ...rest,
        ),
    } as unknown as KubeClient;
    const inFlight: { name: string; owner: string }[] = [];
    const created: string[] = [];
    const woken: string[] = [];
    const reconciler = new JobModeReconciler({
      ...optionsOver(apiOf('large')),
      client,
      cache: {
        get: async (_type: unknown, _namespace: unknown, name: string) => apiOf(name).stored,
      } as unknown as InformerCache,
      maxJobsPerNamespace: 2,
      wake: (key) => woken.push(key),
      jobs: {
        byIndex: (index: string, key: string) =>
          inFlight
            .filter(({ owner }) =>
              index === jobsInFlightByNamespace
                ? owner.startsWith(`${key}/`)
                : index === jobsInFlightByOwner && owner === key,
            )
            .map(({ name }) => ({ metadata: { name } })),
        get: (_namespace: string | undefined, name: string) =>
          inFlight.some((job) => job.name === name) ? { metadata: { name } } : undefined,
        on: () => {},
        resourceVersion: '',
      },
      nodes: {
        selected: (view: { metadata: { name: string } }) =>
          view.metadata.name === 'large'
            ? ['worker-1', 'worker-2', 'worker-3', 'worker-4']
            : ['worker-1', 'worker-2'],
        known: () => new Set(['worker-1', 'worker-2', 'worker-3', 'worker-4']),
        missing: async () => [],
      } as unknown as NodeDirectory,
      executor: {
        create: async (wfe: { spec: { targetResource: string } }) => {
          const name = wfe.spec.targetResource;
          created.push(name);
          inFlight.push({ name, owner: `ops/${name.split('/')[2]?.split('.')[0]}` });
          return { resourceName: name, warnings: [] };
        },
        getStatus: async () => ({ phase: 'Running', reason: 'Running', message: '' }),
      } as unknown as Executor,
    });

    await reconciler.reconcile('ops/large', reconcileContext());
    await reconciler.reconcile('ops/small', reconcileContext());
    expect(created).toEqual([
      'ops/distexec/large.worker-1.n8.g1.a1',
      'ops/distexec/large.worker-2.n8.g1.a1',
    ]);

    // One of large's Jobs ends; its event wakes large, whose other nodes still wait.
    inFlight.splice(0, 1);
    await reconciler.reconcile('ops/large', reconcileContext());
    expect(created).toHaveLength(2);
    expect(woken).toEqual(['ops/small']);

    await reconciler.reconcile('ops/small', reconcileContext());
    expect(created[2]).toBe('ops/distexec/small.worker-1.n8.g1.a1');
    expect(apiOf('small').stored.status).toMatchObject({
      results: { 'worker-1': { phase: 'Running' } },
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('asks the room for no further slot once it refused one, leaving every other node pending', async () => {
    const api = new FakeDistExecApi(distExec('u-1'));
    const nodes = Array.from({ length: 50 }, (_, i) => `worker-${i}`);
    const created: string[] = [];
    // Another DistExec of namespace ops holds the only slot.
    const inFlight: KubeObject[] = [{ metadata: { name: 'other-job' } }];
    const take = vi.spyOn(NamespaceJobRoom.prototype, 'take');
    const reconciler = new JobModeReconciler({
      ...optionsOver(api),
      maxJobsPerNamespace: 1,
      jobs: {
        byIndex: (index: string, key: string) =>
          index === jobsInFlightByNamespace && key === 'ops' ? inFlight : [],
        get: () => undefined,
        on: () => {},
        resourceVersion: '',
      },
      nodes: {
        selected: () => nodes,
        known: () => new Set(nodes),
        missing: async () => [],
      } as unknown as NodeDirectory,
      executor: {
        create: async (wfe: { spec: { targetResource: string } }) => {
          created.push(wfe.spec.targetResource);
          return { resourceName: wfe.spec.targetResource, warnings: [] };
        },
        getStatus: async () => null,
      } as unknown as Executor,
    });

    await reconciler.reconcile('ops/hello', reconcileContext());

    // One refusal answers for all 50 nodes; each further take cost a count of the namespace.
    expect(take).toHaveBeenCalledTimes(1);
    expect(created).toEqual([]);
    // Deferred: no entry for any node, so every one is pending.
    expect((api.stored.status as { results?: object } | undefined)?.results ?? {}).toEqual({});

    // The other Job finishes: the next reconcile creates one Job, and asks once more.
    inFlight.splice(0, 1);
    await reconciler.reconcile('ops/hello', reconcileContext());
    expect(created).toEqual(['ops/distexec/hello.worker-0.n8.g1.a1']);
    expect(take).toHaveBeenCalledTimes(3);
  });

  it("frees the slot of an adopted Job the Job informer never held once it is current past the adoption's read", async () => {
    const api = new FakeDistExecApi(distExec('u-1'));
    const jobsApi = new MemoryKubeClient();
    const listedAt = async () =>
      (await jobsApi.list(resources.jobs, executionNamespace)).resourceVersion;
    // The Job watch broke here; the informer is current to this list and to nothing later.
    const jobs = {
      byIndex: () => [],
      get: () => undefined,
      on: () => {},
      resourceVersion: await listedAt(),
    };
    // worker-1's Job, created by a reconcile whose create's answer was lost meanwhile.
    await jobsApi.create(resources.jobs, executionNamespace, nodeJobOf(api.stored, 'worker-1'));
    const executor = new ResourceExecutor(jobsApi, nodeJobResourceEngine(jobSettings, jobsApi), {
      conventions: roundhouseConventions,
    });
    const adopted: (string | undefined)[] = [];
    const reconciler = new JobModeReconciler({
      ...optionsOver(api),
      maxJobsPerNamespace: 1,
      jobs,
      nodes: {
        selected: () => ['worker-1', 'worker-2'],
        known: () => new Set(['worker-1', 'worker-2']),
        missing: async () => [],
      } as unknown as NodeDirectory,
      executor: {
        create: async (...args: Parameters<Executor['create']>) => {
          const created = await executor.create(...args);
          adopted.push(created.adoptedKind);
          return created;
        },
        getStatus: (...args: Parameters<Executor['getStatus']>) => executor.getStatus(...args),
      } as unknown as Executor,
    });
    const jobOf = (node: string) => nodeJobOf(api.stored, node).metadata?.name as string;

    await reconciler.reconcile('ops/hello', reconcileContext());
    // Adopted, and holding the namespace's one slot: worker-2 waits.
    expect(adopted).toEqual(['Job']);
    expect(await jobsApi.get(resources.jobs, executionNamespace, jobOf('worker-2'))).toBeNull();

    // Someone else deletes it before the watch mends; the relist holds nothing of it.
    await jobsApi.delete(resources.jobs, executionNamespace, jobOf('worker-1'));
    jobs.resourceVersion = await listedAt();
    await reconciler.reconcile('ops/hello', reconcileContext());

    expect(await jobsApi.get(resources.jobs, executionNamespace, jobOf('worker-2'))).not.toBeNull();
    expect(api.stored.status).toMatchObject({ results: { 'worker-2': { phase: 'Running' } } });
  });

  it('holds no slot for a create that failed on a Job name another DistExec holds', async () => {
    const api = new FakeDistExecApi(distExec('u-1'));
    const jobsApi = new MemoryKubeClient();
    // worker-1's Job name is held by an earlier incarnation's unfinished Job.
    const squatter = nodeJobOf(distExec('u-0'), 'worker-1');
    await jobsApi.create(resources.jobs, executionNamespace, squatter);
    const reconciler = new JobModeReconciler({
      ...optionsOver(api),
      maxJobsPerNamespace: 1,
      nodes: {
        selected: () => ['worker-1'],
        known: () => new Set(['worker-1']),
        missing: async () => [],
      } as unknown as NodeDirectory,
      executor: new ResourceExecutor(jobsApi, nodeJobResourceEngine(jobSettings, jobsApi), {
        conventions: roundhouseConventions,
      }),
    });

    await expect(reconciler.reconcile('ops/hello', reconcileContext())).rejects.toMatchObject({
      reason: 'ResourceLocked',
    });
    // The holder goes; the retry finds the namespace's one slot free.
    await jobsApi.delete(resources.jobs, executionNamespace, squatter.metadata?.name as string);
    await reconciler.reconcile('ops/hello', reconcileContext());

    const job = await jobsApi.get(
      resources.jobs,
      executionNamespace,
      squatter.metadata?.name as string,
    );
    expect(job?.metadata?.annotations).toMatchObject({
      'roundhouse.dev/workflow-execution-uid': 'u-1',
    });
  });
});

describe('JobModeReconciler, a Job create whose answer was lost', () => {
  /**
   * DistExecs `first`, `second` and `third` (oldest first) of namespace ops, one node each,
   * sharing a room of one Job; `fail` answers first's create instead of the API server (after
   * `made`, which may create the Job all the same), `readJob` answers the reads of Jobs by
   * name, and `now` is the reconciler's clock.
   */
  function distExecsOfOneRoom(
    fail: (made: () => Promise<unknown>) => Promise<never>,
    readJob?: ((name: string) => Promise<KubeObject | null>) | undefined,
    now?: (() => Date) | undefined,
  ) {
    const apis = new Map(
      ['first', 'second', 'third'].map((name, i) => [
        name,
        new FakeDistExecApi(
          distExec(`u-${name}`, { name, creationTimestamp: `2026-01-01T00:0${i}:00Z` }),
        ),
      ]),
    );
    const apiOf = (name: string) => apis.get(name) as FakeDistExecApi;
    const jobsApi = new MemoryKubeClient();
    const jobReads: string[] = [];
    const client = {
      get: (type: unknown, namespace: unknown, name: string) => {
        if (type !== resources.jobs)
          return apiOf(name).client.get(type as never, namespace as never, name);
        jobReads.push(name);
        return readJob ? readJob(name) : jobsApi.get(resources.jobs, executionNamespace, name);
      },
      patch: (type: unknown, namespace: unknown, name: string, ...rest: unknown[]) =>
        (apiOf(name).client.patch as (...args: unknown[]) => unknown)(
          type,
          namespace,
          name,
          ...rest,
        ),
    } as unknown as KubeClient;
    const executor = new ResourceExecutor(jobsApi, nodeJobResourceEngine(jobSettings, jobsApi), {
      conventions: roundhouseConventions,
    });
    const reconciler = new JobModeReconciler({
      ...optionsOver(apiOf('first')),
      client,
      cache: {
        get: async (_type: unknown, _namespace: unknown, name: string) => apiOf(name).stored,
      } as unknown as InformerCache,
      maxJobsPerNamespace: 1,
      now,
      // The Job watch shows nothing yet.
      nodes: {
        selected: () => ['worker-1'],
        known: () => new Set(['worker-1']),
        missing: async () => [],
      } as unknown as NodeDirectory,
      executor: {
        create: (...args: Parameters<Executor['create']>) =>
          args[0].metadata?.name === 'first'
            ? fail(() => executor.create(...args))
            : executor.create(...args),
        getStatus: (...args: Parameters<Executor['getStatus']>) => executor.getStatus(...args),
      } as unknown as Executor,
    });
    const jobsMade = async () =>
      (await jobsApi.list(resources.jobs, executionNamespace)).items.map(
        (job) => job.metadata?.annotations?.['roundhouse.dev/workflow-execution-uid'],
      );
    return { reconciler, apiOf, jobReads, jobsMade };
  }

  it('keeps the slot while a read shows the Job was made after all, so no other DistExec passes the limit', async () => {
    const { reconciler, apiOf, jobReads, jobsMade } = distExecsOfOneRoom(async (made) => {
      await made();
      throw kubernetesErrorFromResponse(504, { reason: 'Timeout' }, 'create Job');
    });

    await expect(reconciler.reconcile('ops/first', reconcileContext())).rejects.toMatchObject({
      reason: 'Timeout',
    });
    await reconciler.reconcile('ops/second', reconcileContext());

    expect(await jobsMade()).toEqual(['u-first']);
    expect(jobReads).toHaveLength(1);
    // second's node waits, pending, with no entry.
    const status = apiOf('second').stored.status as { results?: object } | undefined;
    expect(status?.results).toBeUndefined();
  });

  it.each([
    ['a broken connection', kubernetesErrorFromTransport(codeError('ECONNRESET'), 'create Job')],
    ['a 503', kubernetesErrorFromResponse(503, '', 'create Job')],
  ])('frees the slot once a read finds no Job after %s', async (_, error) => {
    const { reconciler, jobReads, jobsMade } = distExecsOfOneRoom(async () => {
      throw error;
    });

    await expect(reconciler.reconcile('ops/first', reconcileContext())).rejects.toBe(error);
    await reconciler.reconcile('ops/second', reconcileContext());

    expect(await jobsMade()).toEqual(['u-second']);
    expect(jobReads).toHaveLength(1);
  });

  it('reads nothing and frees the slot at once after a refusal (429) or a create never sent', async () => {
    for (const error of [
      kubernetesErrorFromResponse(429, { reason: 'TooManyRequests' }, 'create Job'),
      kubernetesErrorFromTransport(codeError('ECONNREFUSED'), 'create Job'),
    ]) {
      const { reconciler, jobReads, jobsMade } = distExecsOfOneRoom(async () => {
        throw error;
      });

      await expect(reconciler.reconcile('ops/first', reconcileContext())).rejects.toBe(error);
      await reconciler.reconcile('ops/second', reconcileContext());

      expect(await jobsMade()).toEqual(['u-second']);
      expect(jobReads).toEqual([]);
    }
  });

  it('keeps the slot while the read fails too, and reads again at the next reconcile', async () => {
    let reads = 0;
    const { reconciler, jobReads, jobsMade } = distExecsOfOneRoom(
      async () => {
        throw kubernetesErrorFromResponse(500, '', 'create Job');
      },
      async () => {
        reads += 1;
        if (reads === 1) throw kubernetesErrorFromResponse(503, '', 'get Job');
        return null;
      },
    );

    await expect(reconciler.reconcile('ops/first', reconcileContext())).rejects.toMatchObject({
      reason: 'InternalError',
    });
    await reconciler.reconcile('ops/second', reconcileContext());
    expect(await jobsMade()).toEqual([]);

    await reconciler.reconcile('ops/second', reconcileContext());
    expect(jobReads).toHaveLength(2);
    expect(await jobsMade()).toEqual(['u-second']);
  });
  it('holds the slot while reads fail at reconciles of several DistExecs back to back, until a minute has passed', async () => {
    let now = Date.parse('2026-01-01T01:00:00Z');
    const { reconciler, jobReads, jobsMade } = distExecsOfOneRoom(
      async () => {
        throw kubernetesErrorFromResponse(500, '', 'create Job');
      },
      async () => {
        throw kubernetesErrorFromResponse(503, '', 'get Job');
      },
      () => new Date(now),
    );

    await expect(reconciler.reconcile('ops/first', reconcileContext())).rejects.toMatchObject({
      reason: 'InternalError',
    });
    for (let round = 0; round < maxUnansweredReads; round += 1) {
      await reconciler.reconcile('ops/second', reconcileContext());
      await reconciler.reconcile('ops/third', reconcileContext());
    }
    expect(jobReads).toHaveLength(2 * maxUnansweredReads);
    expect(await jobsMade()).toEqual([]);

    now += unansweredHoldMs;
    await reconciler.reconcile('ops/second', reconcileContext());
    expect(await jobsMade()).toEqual(['u-second']);
  });

  it('wakes a DistExec waiting for the slot of its own lost create when a read is due, so the slot is freed a minute after the loss, not at its resyncs', async () => {
    let now = Date.parse('2026-01-01T01:00:00Z');
    // When first's creates were sent: the one whose answer is lost, then the one its freed
    // slot lets it send.
    const sent: number[] = [];
    const { reconciler } = distExecsOfOneRoom(
      async () => {
        sent.push(now);
        throw kubernetesErrorFromResponse(500, '', 'create Job');
      },
      async () => {
        throw kubernetesErrorFromResponse(503, '', 'get Job');
      },
      () => new Date(now),
    );
    // first is the namespace's only DistExec, run as the controller's queue runs it: again a
    // second after an error (its backoff), or after the delay its reconcile asked for.
    const start = now;
    let due = now;
    while (sent.length < 2 && due - start <= 10 * unansweredHoldMs) {
      now = due;
      try {
        const result = await reconciler.reconcile('ops/first', reconcileContext());
        expect(result?.requeueAfter).toBeGreaterThan(0);
        due = now + (result?.requeueAfter ?? 0);
      } catch {
        due = now + 1_000;
      }
    }

    expect(sent).toHaveLength(2);
    const heldFor = sent[1]! - sent[0]!;
    expect(heldFor).toBeGreaterThanOrEqual(unansweredHoldMs);
    expect(heldFor).toBeLessThan(unansweredHoldMs + unansweredReadIntervalMs);
  });

  it('counts no read aborted with its reconcile (shutdown, timeout) as failed, and ends the reconcile', async () => {
    let now = Date.parse('2026-01-01T01:00:00Z');
    let aborting: AbortController | undefined;
    const { reconciler, jobsMade } = distExecsOfOneRoom(
      async () => {
        throw kubernetesErrorFromResponse(500, '', 'create Job');
      },
      async () => {
        if (aborting) {
          aborting.abort(new Error('shutting down'));
          throw aborting.signal.reason;
        }
        throw kubernetesErrorFromResponse(503, '', 'get Job');
      },
      () => new Date(now),
    );

    await expect(reconciler.reconcile('ops/first', reconcileContext())).rejects.toMatchObject({
      reason: 'InternalError',
    });
    for (let read = 1; read < maxUnansweredReads; read += 1) {
      await reconciler.reconcile('ops/second', reconcileContext());
    }
    now += unansweredHoldMs;
    aborting = new AbortController();
    await expect(
      reconciler.reconcile('ops/second', { ...reconcileContext(), signal: aborting.signal }),
    ).rejects.toThrow('shutting down');
    expect(await jobsMade()).toEqual([]);

    // The fifth read that fails, past the minute, frees it.
    aborting = undefined;
    await reconciler.reconcile('ops/second', reconcileContext());
    expect(await jobsMade()).toEqual(['u-second']);
  });
});

/** A socket error with `code`, as Node's net module throws. */
function codeError(code: string): Error {
  return Object.assign(new Error(code), { code });
}

describe('JobModeReconciler, a failed Job whose pod the cache has not seen fail', () => {
  /** DistExec ops/hello with worker-1's attempt 1 running, as the entry the Job's end writes. */
  function runningOnWorker1(): KubeObject {
    return {
      ...distExec('u-1', { finalizers: [jobsFinalizer] }),
      spec: { command: 'echo hello' },
      status: {
        results: {
          'worker-1': {
            phase: 'Running',
            startedAt: '2026-01-01T00:00:00Z',
            attempts: 1,
            observedGeneration: 1,
          },
        },
      },
    };
  }

  /** worker-1's Job of `object`, failed as the Job controller leaves it (`reason`). */
  function failedJob(object: KubeObject, reason = 'BackoffLimitExceeded'): KubeObject {
    return {
      ...nodeJobOf(object, 'worker-1'),
      status: {
        failed: 1,
        startTime: '2026-01-01T00:00:01Z',
        conditions: [{ type: 'Failed', status: 'True', reason, message: reason }],
      },
    };
  }

  /** The Job's pod, failed: its container exited with `exitCode`, or never ran (refused). */
  function failedPod(exitCode?: number): KubeObject {
    return {
      metadata: {
        name: 'hello-worker-1-x7k2p',
        labels: { 'batch.kubernetes.io/controller-uid': 'job-worker-1' },
      },
      status:
        exitCode === undefined
          ? { phase: 'Failed', reason: 'OutOfcpu', message: "Node didn't have enough resource" }
          : {
              phase: 'Failed',
              containerStatuses: [
                { name: 'workflow', state: { terminated: { exitCode, reason: 'Error' } } },
              ],
            },
    };
  }

  /**
   * A reconciler of `api`'s DistExec on worker-1, its node-Job executor reading `cached` (the
   * controller's cache: the Job, and the pods its pod watch has seen) and the API server
   * `server` holds (the Job and its pods), which records each read it answers.
   */
  function reconcilerReading(
    api: FakeDistExecApi,
    cached: { job: KubeObject; pods: KubeObject[] },
    server: { job: KubeObject; pods: KubeObject[]; reads: string[] },
  ): JobModeReconciler {
    const reader = (from: typeof cached, reads?: string[]): Reader => ({
      get: async <T extends KubeObject>() => {
        reads?.push('jobs/get');
        return from.job as T;
      },
      list: async <T extends KubeObject>(type: ResourceType) => {
        reads?.push(`${type.plural}?`);
        return { items: (type === resources.pods ? from.pods : []) as T[], resourceVersion: '1' };
      },
    });
    const live = reader(server, server.reads) as unknown as KubeClient;
    return reconcilerOver(api, {
      nodes: {
        selected: () => ['worker-1'],
        known: () => new Set(['worker-1']),
        missing: async () => [],
      } as unknown as NodeDirectory,
      executor: new ResourceExecutor(live, nodeJobResourceEngine(jobSettings, live), {
        conventions: roundhouseConventions,
        reader: reader(cached),
      }),
    });
  }

  it('records the exit code the API server shows, read fresh', async () => {
    const object = runningOnWorker1();
    const api = new FakeDistExecApi(object);
    const job = failedJob(object);
    // The pod cache lags the Job cache (two watches): only the API server has the pod.
    const reconciler = reconcilerReading(
      api,
      { job, pods: [] },
      { job, pods: [failedPod(7)], reads: [] },
    );

    await reconciler.reconcile('ops/hello', reconcileContext());

    expect(api.stored.status).toMatchObject({
      results: { 'worker-1': { phase: 'Failed', attempts: 1, exitCode: 7 } },
    });
  });

  it("reads nothing from the API server when the cache holds the pod failed, the kubelet's refusal saying why (@roundhouse/job's rule)", async () => {
    const object = runningOnWorker1();
    const api = new FakeDistExecApi(object);
    const job = failedJob(object);
    const server = { job, pods: [failedPod()], reads: [] as string[] };
    const reconciler = reconcilerReading(api, { job, pods: [failedPod()] }, server);

    await reconciler.reconcile('ops/hello', reconcileContext());

    expect(api.stored.status).toMatchObject({
      results: { 'worker-1': { phase: 'Failed', attempts: 1 } },
    });
    expect(
      (api.stored.status as { results: Record<string, { message?: string }> }).results['worker-1']
        ?.message,
    ).toContain('OutOfcpu');
    expect(server.reads).toEqual([]);
  });

  it('reads nothing from the API server for a Job failed at its deadline: the deadline is the failure', async () => {
    const object = runningOnWorker1();
    const api = new FakeDistExecApi(object);
    const job = failedJob(object, 'DeadlineExceeded');
    const server = { job, pods: [failedPod(7)], reads: [] as string[] };
    const reconciler = reconcilerReading(api, { job, pods: [] }, server);

    await reconciler.reconcile('ops/hello', reconcileContext());

    expect(api.stored.status).toMatchObject({
      results: { 'worker-1': { phase: 'Failed', reason: 'Timeout' } },
    });
    expect(server.reads).toEqual([]);
  });
});
