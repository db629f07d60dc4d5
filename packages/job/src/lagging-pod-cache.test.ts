import { KubeConfig } from '@kubernetes/client-node';
import { roundhouseConventions, type WorkflowExecution } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import {
  KubeClient,
  type KubeObject,
  type ListOptions,
  type Reader,
  type ResourceType,
  resources,
} from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { JobExecutor } from './job-executor.js';
import { buildJob } from './job-spec.js';
import { readJobFailure } from './lagging-pod-cache.js';
import { JobStateSchema } from './status.js';

/*
 * A controller's cache is fed by two watches, one of Jobs and one of the Job's pods that have not
 * started or have failed (`JobExecutor.reads`): on a loaded machine, or after a watch restarted,
 * the Job can be seen Failed before its failed pod is. The API server has the pod all along.
 */

/** The Job the engine builds for `wfe`, as the API server stores it, with `status`. */
function storedJob(wfe: WorkflowExecution, status: object): KubeObject {
  const job = {
    ...buildJob(wfe, 'workflows', undefined, {
      conventions: roundhouseConventions,
      serviceAccountName: 'runner',
      securityProfile: 'restricted',
    }),
    status,
  } as KubeObject;
  job.metadata = { ...job.metadata, uid: 'job-uid', creationTimestamp: '2026-01-01T00:00:00Z' };
  return job;
}

/** A Job the Job controller failed because its one pod failed (`backoffLimit: 0`). */
const backoffLimitExceeded = {
  failed: 1,
  startTime: '2026-01-01T00:00:01Z',
  conditions: [
    {
      type: 'Failed',
      status: 'True',
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
      lastTransitionTime: '2026-01-01T00:00:30Z',
    },
  ],
};

/** The Job's pod, its workflow container killed for memory. */
const oomKilledPod = (job: KubeObject) => ({
  metadata: {
    name: `${job.metadata?.name}-x7k2p`,
    uid: 'pod-uid',
    creationTimestamp: '2026-01-01T00:00:01Z',
    labels: { 'batch.kubernetes.io/controller-uid': 'job-uid' },
  },
  status: {
    phase: 'Failed',
    containerStatuses: [
      {
        name: 'workflow',
        state: {
          terminated: {
            exitCode: 137,
            reason: 'OOMKilled',
            startedAt: '2026-01-01T00:00:02Z',
            finishedAt: '2026-01-01T00:00:29Z',
          },
        },
      },
    ],
  },
});

/** The API server: it holds `pods`, no Event, and records every read it answers. */
class LiveServer extends KubeClient {
  readonly reads: string[] = [];
  constructor(readonly pods: object[]) {
    super(new KubeConfig());
  }
  override async list<T extends KubeObject>(
    type: ResourceType,
    _namespace: string | undefined,
    options: ListOptions = {},
  ) {
    this.reads.push(`${type.plural}?${options.labelSelector ?? ''}&${options.fieldSelector ?? ''}`);
    const items = type === resources.pods ? this.pods : [];
    return { items: items as T[], resourceVersion: '2' };
  }
  override async get<T extends KubeObject>(type: ResourceType): Promise<T | null> {
    this.reads.push(`${type.plural}/get`);
    return null;
  }
}

/** The controller's cache: the Job, with `pods` as the cached pods and no Event. */
function cache(job: KubeObject, pods: object[] = []): Reader {
  return {
    get: async <T extends KubeObject>() => job as T,
    list: async <T extends KubeObject>(type: ResourceType) => ({
      items: (type === resources.pods ? pods : []) as T[],
      resourceVersion: '1',
    }),
  };
}

describe('JobExecutor: a Job the cache shows Failed before its failed pod', () => {
  const wfe = sampleExecution({});
  const job = storedJob(wfe, backoffLimitExceeded);
  const pod = oomKilledPod(job);

  it("reads the Job's pods from the API server once, and fails with the pod's exit code and reason", async () => {
    const server = new LiveServer([pod]);
    const executor = new JobExecutor(server, { reader: cache(job) });
    const status = await executor.getStatus(wfe, 'workflows');
    expect(status).toMatchObject({
      phase: 'Failed',
      reason: 'BackoffLimitExceeded',
      failureReason: 'OOMKilled',
      exitCode: 137,
      message: `Job has reached the specified backoff limit; container workflow in pod ${pod.metadata.name} exited with code 137 (OOMKilled)`,
    });
    expect(server.reads).toEqual([
      `pods?${executor.reads[0]?.labelSelector},batch.kubernetes.io/controller-uid=job-uid&${executor.reads[0]?.fieldSelector}`,
    ]);
  });

  it('reads nothing more when the cache has the failed pod', async () => {
    const server = new LiveServer([pod]);
    const executor = new JobExecutor(server, { reader: cache(job, [pod]) });
    expect(await executor.getStatus(wfe, 'workflows')).toMatchObject({
      failureReason: 'OOMKilled',
      exitCode: 137,
    });
    expect(server.reads).toEqual([]);
  });

  it('reads them again when the cache holds the pod as it was before it ran', async () => {
    const server = new LiveServer([pod]);
    const pending = {
      ...pod,
      status: {
        phase: 'Pending',
        containerStatuses: [
          { name: 'workflow', state: { waiting: { reason: 'ContainerCreating' } } },
        ],
      },
    };
    const executor = new JobExecutor(server, { reader: cache(job, [pending]) });
    expect(await executor.getStatus(wfe, 'workflows')).toMatchObject({
      failureReason: 'OOMKilled',
      exitCode: 137,
    });
    expect(server.reads).toHaveLength(1);
  });

  it('reads no pod again when the cache holds it failed without a container (the kubelet refused it)', async () => {
    const refused = {
      metadata: pod.metadata,
      status: {
        phase: 'Failed',
        reason: 'OutOfcpu',
        message: "Pod was rejected: Node didn't have enough resource: cpu",
      },
    };
    const server = new LiveServer([refused]);
    const executor = new JobExecutor(server, { reader: cache(job, [refused]) });
    expect((await executor.getStatus(wfe, 'workflows'))?.message).toContain('OutOfcpu');
    expect(server.reads.filter((read) => read.startsWith('pods?'))).toEqual([]);
  });

  it('reads nothing for a Job that succeeded', async () => {
    const server = new LiveServer([]);
    const complete = storedJob(wfe, {
      succeeded: 1,
      startTime: '2026-01-01T00:00:01Z',
      completionTime: '2026-01-01T00:00:30Z',
      conditions: [
        { type: 'Complete', status: 'True', lastTransitionTime: '2026-01-01T00:00:30Z' },
      ],
    });
    const executor = new JobExecutor(server, { reader: cache(complete) });
    expect(await executor.getStatus(wfe, 'workflows')).toMatchObject({ phase: 'Completed' });
    expect(server.reads).toEqual([]);
  });

  it('reads no pod again for a Job failed at its deadline: the deadline is the failure', async () => {
    const server = new LiveServer([pod]);
    const overdue = storedJob(wfe, {
      ...backoffLimitExceeded,
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          reason: 'DeadlineExceeded',
          message: 'Job was active longer than specified deadline',
          lastTransitionTime: '2026-01-01T00:00:30Z',
        },
      ],
    });
    const executor = new JobExecutor(server, { reader: cache(overdue) });
    expect(await executor.getStatus(wfe, 'workflows')).toMatchObject({
      failureReason: 'DeadlineExceeded',
    });
    expect(server.reads).toEqual([]);
  });

  it('reads the pods once on a fresh status read, from the API server it reads anyway', async () => {
    const server = new LiveServer([pod]);
    const executor = new JobExecutor(server, { reader: cache(job) });
    // The fresh read takes the Job from the server too; this one answers gets with none.
    server.get = async <T extends KubeObject>() => job as T;
    expect(await executor.getStatus(wfe, 'workflows', { fresh: true })).toMatchObject({
      failureReason: 'OOMKilled',
      exitCode: 137,
    });
    expect(server.reads.filter((read) => read.startsWith('pods?'))).toHaveLength(1);
  });
});

describe('readJobFailure, for an engine of its own over Jobs', () => {
  const job = storedJob(sampleExecution({}), backoffLimitExceeded);
  const pod = oomKilledPod(job);
  const state = JobStateSchema.parse(job);

  it('hands back the API server to read the rest of the failure from, once it read the pods there', async () => {
    const server = new LiveServer([pod]);
    const context = { reader: cache(job), namespace: 'workflows' };
    const failure = await readJobFailure(state, context, server, roundhouseConventions);
    expect(failure.result).toMatchObject({ failureReason: 'OOMKilled', exitCode: 137 });
    expect(failure.pods).toHaveLength(1);
    expect(failure.context).toEqual({ ...context, reader: server });
  });

  it('hands back the context it was given when that explains the failure', async () => {
    const server = new LiveServer([pod]);
    const context = { reader: cache(job, [pod]), namespace: 'workflows' };
    const failure = await readJobFailure(state, context, server, roundhouseConventions);
    expect(failure.result).toMatchObject({ exitCode: 137 });
    expect(failure.context).toBe(context);
    expect(server.reads).toEqual([]);
  });
});
