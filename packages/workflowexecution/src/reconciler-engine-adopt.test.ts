import type { IndexFunction, Informer } from '@roundhouse/controller';
import {
  type AdoptOptions,
  ConfigurationError,
  type CreateOptions,
  type CreateResult,
  conventionKeys,
  ExecutionForbiddenError,
  type ExecutionResult,
  executionResourceName,
  type OperationOptions,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { type KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { executionServer, storedExecution } from './execution-server.test-support.js';
import { OrphanedResources } from './orphaned-resources.js';
import { reconcileContext as ctx, jobRegistry, reconcilerOver } from './reconciler.test-support.js';

const jobName = 'wfe-0123456789abcdef';
const adoptedJob: CreateResult = {
  resourceName: jobName,
  warnings: [],
  adoptedKind: 'Job',
  resourceVersion: '7',
};

/**
 * An execution still Pending whose Job the cache shows by its owner (`createdFor`), as a start
 * before a restart left it, over an engine with `adopt`: the Job is there while `exists` says
 * so, and the engine's create makes it (one the API server has then).
 */
function restartedOverItsJob(spec: Record<string, unknown> = {}) {
  const api = executionServer({
    ...storedExecution('late', spec),
    status: { phase: 'Pending', conditions: [] },
  });
  const job = { exists: false };
  const cache = { behind: false };
  const adopt = vi.fn(async (_wfe: unknown, _namespace: string, _options?: OperationOptions) =>
    job.exists ? adoptedJob : undefined,
  );
  const create = vi.fn(async (_wfe: unknown, _namespace: string, _options?: CreateOptions) => {
    job.exists = true;
    return { resourceName: jobName, warnings: [] };
  });
  // A cleanup that fails (a timeout): nothing may rest on it removing an unchecked Job.
  const cleanup = vi.fn(async () => {
    throw new Error('etcdserver: request timed out');
  });
  return {
    api,
    job,
    cache,
    adopt,
    create,
    cleanup,
    registry: jobRegistry({ adopt, create, cleanup }),
    // The cache shows the Job by its owner until `cache.behind` is cleared: it has seen the
    // Job's delete then.
    orphans: {
      release: async () => {},
      createdFor: () => (job.exists || cache.behind ? { name: jobName, kind: 'Job' } : undefined),
      holds: () => job.exists || cache.behind,
    },
  };
}

describe('WorkflowExecutionReconciler adopting through the engine’s adopt', () => {
  it('adopts the Job without a create, though the engine would refuse to build it now', async () => {
    const { api, job, adopt, create, registry, orphans } = restartedOverItsJob();
    job.exists = true;
    // The engine's rules changed across the restart (a lowered resource ceiling): its build,
    // which create runs first, refuses the execution.
    create.mockRejectedValue(
      new ExecutionForbiddenError('spec.workflowRef.resources', 'cpu 2 is over the ceiling 1'),
    );
    const reconciler = reconcilerOver(api, { registry, orphans });

    await reconciler.reconcile('team-a/late', ctx());

    expect(adopt).toHaveBeenCalledTimes(1);
    expect(create).not.toHaveBeenCalled();
    expect(api.state.stored.status).toMatchObject({
      phase: 'Running',
      executionRef: { name: jobName },
    });
    expect(api.state.stored.status).not.toHaveProperty('failureDetails');
  });

  it('creates nothing when the Job was gone after all, and starts through the checks once the cache shows it gone', async () => {
    const { api, cache, adopt, create, cleanup, registry, orphans } = restartedOverItsJob();
    cache.behind = true;
    const resolveDeclaredParameters = vi.fn(async () => ['only_this']);
    const reconciler = reconcilerOver(api, { registry, orphans, resolveDeclaredParameters });

    await expect(reconciler.reconcile('team-a/late', ctx())).rejects.toThrow(
      'was gone when adopted',
    );
    expect(adopt).toHaveBeenCalledTimes(1);
    expect(create).not.toHaveBeenCalled();
    expect(cleanup).not.toHaveBeenCalled();
    expect(api.state.stored.status).toMatchObject({ phase: 'Pending' });

    cache.behind = false;
    await reconciler.reconcile('team-a/late', ctx());

    expect(adopt).toHaveBeenCalledTimes(1);
    expect(resolveDeclaredParameters).toHaveBeenCalledTimes(1);
    expect(create).toHaveBeenCalledTimes(1);
    expect(create.mock.calls[0]?.[2]).toMatchObject({ declaredParameterNames: ['only_this'] });
    expect(cleanup).not.toHaveBeenCalled();
    expect(api.state.stored.status).toMatchObject({
      phase: 'Running',
      executionRef: { name: jobName },
    });
  });

  it('adopts the Job by the name its owner found it under, made under a name prefix changed since', async () => {
    const api = executionServer({
      ...storedExecution('late'),
      status: { phase: 'Pending', conditions: [] },
    });
    // The start before the restart ran with the prefix `old-`; today's name is `jobName`.
    const oldName = 'old-0123456789abcdef';
    const adopt = vi.fn(async (_wfe: unknown, _namespace: string, options?: AdoptOptions) =>
      (options?.resourceName ?? jobName) === oldName
        ? { ...adoptedJob, resourceName: oldName }
        : undefined,
    );
    const create = vi.fn(async () => ({ resourceName: jobName, warnings: [] }));
    const orphans = {
      release: async () => {},
      createdFor: () => ({ name: oldName, kind: 'Job' }),
      holds: () => true,
    };
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ adopt, create }),
      orphans,
    });

    await reconciler.reconcile('team-a/late', ctx());

    expect(create).not.toHaveBeenCalled();
    expect(api.state.stored.status).toMatchObject({
      phase: 'Running',
      executionRef: { name: oldName },
    });
  });

  it('records the Job found under a prefix changed since when its adopt fails for good, so the cleanup finds it', async () => {
    const api = executionServer({
      ...storedExecution('late'),
      status: { phase: 'Pending', conditions: [] },
    });
    const oldName = 'old-0123456789abcdef';
    const adopt = vi.fn(async () => {
      throw new ConfigurationError({ path: 'spec.workflowRef', message: 'not in the catalog' });
    });
    const orphans = {
      release: async () => {},
      createdFor: () => ({ name: oldName, kind: 'Job' }),
      holds: () => true,
    };
    const reconciler = reconcilerOver(api, { registry: jobRegistry({ adopt }), orphans });

    await reconciler.reconcile('team-a/late', ctx());

    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureReason: 'ConfigurationError',
      executionRef: { name: oldName },
    });
  });

  it('records as its start the creation time the engine read of the Job its create adopted, the cache not showing it yet', async () => {
    const stored = storedExecution('late');
    const api = executionServer({
      ...stored,
      metadata: { ...stored.metadata, creationTimestamp: '2026-01-01T10:00:00Z' },
      status: { phase: 'Pending', conditions: [] },
    });
    // Another writer's create for this execution won the race a second after it was created.
    const create = vi.fn(async () => ({ ...adoptedJob, createdAt: '2026-01-01T10:00:01Z' }));
    const orphans = { release: async () => {}, createdFor: () => undefined, holds: () => false };
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ create }),
      orphans,
      now: () => new Date('2026-01-01T10:07:00Z'),
    });

    await reconciler.reconcile('team-a/late', ctx());

    expect(api.state.stored.status).toMatchObject({
      phase: 'Running',
      startTime: '2026-01-01T10:00:01Z',
    });
  });
});

/**
 * An execution still Pending whose Job the cache shows by its owner under `foundName`, over an
 * engine without `adopt` whose watch names its Jobs with today's prefix (`wfe-`): its create
 * would make another Job under today's name, and its getStatus reads the Job the status names
 * while `job.exists` says so.
 */
function restartedOverItsJobWithoutAdopt(foundName: string) {
  const api = executionServer({
    ...storedExecution('late'),
    status: { phase: 'Pending', conditions: [] },
  });
  const job = { exists: true };
  const running: ExecutionResult = {
    phase: 'Running',
    reason: 'Running',
    message: 'running',
    summary: { status: 'Unknown' },
  };
  const getStatus = vi.fn(async (wfe: WorkflowExecution) =>
    job.exists && wfe.status?.executionRef?.name === foundName ? running : null,
  );
  const create = vi.fn(
    async (): Promise<CreateResult> => ({
      resourceName: executionResourceName('team-a/deployment/app'),
      warnings: [],
    }),
  );
  const cleanup = vi.fn(async () => {});
  const registry = jobRegistry({
    watches: [{ resource: resources.jobs, conventions: roundhouseConventions }],
    create,
    getStatus,
    cleanup,
  });
  const orphans = {
    release: async () => {},
    createdFor: () => ({ name: foundName, kind: 'Job', createdAt: '2026-01-01T10:00:01Z' }),
    holds: () => true,
  };
  return { api, job, getStatus, create, cleanup, registry, orphans };
}

describe('WorkflowExecutionReconciler adopting for an engine without adopt', () => {
  // The start before the restart ran with the prefix `old-`; the engine's is `wfe-` today.
  const oldName = 'old-0123456789abcdef';

  it('adopts the Job made under a name prefix changed since by its name, creating nothing', async () => {
    const { api, getStatus, create, cleanup, registry, orphans } =
      restartedOverItsJobWithoutAdopt(oldName);
    const reconciler = reconcilerOver(api, { registry, orphans });

    await reconciler.reconcile('team-a/late', ctx());

    expect(create).not.toHaveBeenCalled();
    expect(cleanup).not.toHaveBeenCalled();
    expect(getStatus.mock.calls[0]?.[0].status?.executionRef).toEqual({ name: oldName });
    expect(api.state.stored.status).toMatchObject({
      phase: 'Running',
      executionRef: { name: oldName },
      startTime: '2026-01-01T10:00:01Z',
    });
  });

  it('creates nothing when the Job under the old prefix was gone after all, and retries the start', async () => {
    const { api, job, create, cleanup, registry, orphans } =
      restartedOverItsJobWithoutAdopt(oldName);
    job.exists = false;
    const reconciler = reconcilerOver(api, { registry, orphans });

    await expect(reconciler.reconcile('team-a/late', ctx())).rejects.toThrow('nothing was created');
    expect(create).not.toHaveBeenCalled();
    expect(cleanup).not.toHaveBeenCalled();
    expect(api.state.stored.status).toMatchObject({ phase: 'Pending' });
  });

  it('records the Job under the old prefix when reading it fails for good, so the cleanup finds it', async () => {
    const { api, getStatus, create, registry, orphans } = restartedOverItsJobWithoutAdopt(oldName);
    getStatus.mockRejectedValue(
      new ConfigurationError({ path: 'spec.workflowRef', message: 'not in the catalog' }),
    );
    const reconciler = reconcilerOver(api, { registry, orphans });

    await reconciler.reconcile('team-a/late', ctx());

    expect(create).not.toHaveBeenCalled();
    expect(api.state.stored.status).toMatchObject({
      phase: 'Failed',
      failureReason: 'ConfigurationError',
      executionRef: { name: oldName },
    });
  });

  it("adopts the Job under today's name by reading it, never through the engine's create", async () => {
    const todays = executionResourceName('team-a/deployment/app');
    const { api, getStatus, create, cleanup, registry, orphans } =
      restartedOverItsJobWithoutAdopt(todays);
    const reconciler = reconcilerOver(api, { registry, orphans });

    await reconciler.reconcile('team-a/late', ctx());

    expect(create).not.toHaveBeenCalled();
    expect(cleanup).not.toHaveBeenCalled();
    expect(getStatus).toHaveBeenCalledTimes(1);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Running',
      executionRef: { name: todays },
      startTime: '2026-01-01T10:00:01Z',
    });
  });

  it("creates nothing when the Job under today's name was gone after all: no fresh Job made and removed", async () => {
    const todays = executionResourceName('team-a/deployment/app');
    const { api, job, create, cleanup, registry, orphans } =
      restartedOverItsJobWithoutAdopt(todays);
    job.exists = false;
    const reconciler = reconcilerOver(api, { registry, orphans });

    await expect(reconciler.reconcile('team-a/late', ctx())).rejects.toThrow('nothing was created');
    expect(create).not.toHaveBeenCalled();
    expect(cleanup).not.toHaveBeenCalled();
    expect(api.state.stored.status).toMatchObject({ phase: 'Pending' });
  });
});

describe('WorkflowExecutionReconciler finding a resource of another engine’s kind', () => {
  it('creates its own Job, not adopting a PipelineRun that names its uid', async () => {
    const api = executionServer({
      ...storedExecution('late'),
      status: { phase: 'Pending', conditions: [] },
    });
    const keys = conventionKeys(roundhouseConventions);
    // Another engine's PipelineRun carrying this execution's owner labels and uid annotation.
    const run: KubeObject = {
      metadata: {
        name: 'run-0123456789abcdef',
        namespace: 'executions',
        uid: 'uid-run',
        labels: { [keys.workflowExecutionLabel]: 'late', [keys.sourceNamespaceLabel]: 'team-a' },
        annotations: { [keys.workflowExecutionUidAnnotation]: 'u-late' },
      },
    };
    const indexes = new Map<string, IndexFunction<KubeObject>>();
    const informer = {
      addIndex: (name: string, index: IndexFunction<KubeObject>) => {
        indexes.set(name, index);
        return informer as unknown as Informer<KubeObject>;
      },
      byIndex: (name: string, key: string) =>
        [run].filter((o) => indexes.get(name)?.(o).includes(key)),
      observe: () => {},
    };
    const jobs = { resource: resources.jobs, conventions: roundhouseConventions };
    const runs = { resource: resources.pipelineRuns, conventions: roundhouseConventions };
    const orphans = new OrphanedResources(api.client as unknown as KubeClient, [
      { engine: 'job', watch: jobs, informer: { ...informer, byIndex: () => [] } },
      { engine: 'tekton', watch: runs, informer },
    ]);
    const adopt = vi.fn(async () => undefined);
    const create = vi.fn(async () => ({ resourceName: jobName, warnings: [] }));
    const reconciler = reconcilerOver(api, {
      registry: jobRegistry({ watches: [jobs], adopt, create }),
      orphans,
    });

    await reconciler.reconcile('team-a/late', ctx());

    expect(adopt).not.toHaveBeenCalled();
    expect(create).toHaveBeenCalledTimes(1);
    expect(api.state.stored.status).toMatchObject({
      phase: 'Running',
      executionRef: { name: jobName },
    });
  });
});
