import type { ExecutionResult, WorkflowExecution } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { type KubeObject, type Reader, resources } from '@roundhouse/kube';
import { MemoryKubeClient } from '@roundhouse/kube/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cachedJob } from './job-cache.js';
import { JobExecutor } from './job-executor.js';

/** An execution whose parameters make its Job's pod template large. */
const largeExecution = (name: string) =>
  sampleExecution({
    name,
    spec: {
      parameters: Object.fromEntries(
        Array.from({ length: 20 }, (_, i) => [`P${i}`, String(i).repeat(10_000)]),
      ),
    },
  });

/** A controller's cache of `api`'s Jobs, trimmed by `cachedJob`; everything else read live. */
function cachedJobs(api: MemoryKubeClient): Reader {
  return {
    get: async (type, namespace, name) => {
      const object = await api.get(type, namespace, name);
      return (type === resources.jobs && object ? cachedJob(object) : object) as never;
    },
    list: (type, namespace, options) => api.list(type, namespace, options),
  };
}

/** Job statuses across a Job's life, each with what the engine reads of it. */
const statuses: Record<string, object> = {
  running: { active: 1, ready: 1, startTime: '2026-01-01T00:00:01Z' },
  pending: { active: 1, ready: 0 },
  suspended: { conditions: [{ type: 'Suspended', status: 'True', reason: 'JobSuspended' }] },
  succeeded: {
    succeeded: 1,
    startTime: '2026-01-01T00:00:01Z',
    completionTime: '2026-01-01T00:01:00Z',
    conditions: [
      { type: 'SuccessCriteriaMet', status: 'True' },
      { type: 'Complete', status: 'True', lastTransitionTime: '2026-01-01T00:01:00Z' },
    ],
  },
  failed: {
    failed: 1,
    startTime: '2026-01-01T00:00:01Z',
    conditions: [
      { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded' },
      {
        type: 'Failed',
        status: 'True',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
        lastTransitionTime: '2026-01-01T00:01:00Z',
      },
    ],
  },
};

/** What the engine answers about `wfe`'s Job through `reader`, and what else it read for it. */
async function answers(api: MemoryKubeClient, through: Reader, wfe: WorkflowExecution) {
  const listed: string[] = [];
  const reader: Reader = {
    get: (type, namespace, name, options) => through.get(type, namespace, name, options),
    list: (type, namespace, options) => {
      listed.push(type.kind);
      return through.list(type, namespace, options);
    },
  };
  const executor = new JobExecutor(api, { reader, startupGraceMs: 0 });
  const outcome = (call: () => Promise<unknown>) =>
    call().then(
      (value) => ({ value }),
      (error: { reason?: string; message?: string }) => ({ error: [error.reason, error.message] }),
    );
  return {
    status: (await outcome(() => executor.getStatus(wfe, 'workflows'))) as {
      value?: ExecutionResult;
    },
    adopt: await outcome(() => executor.adopt(wfe, 'workflows')),
    listed,
  };
}

describe('cachedJob', () => {
  afterEach(() => vi.useRealTimers());

  it('drops the pod template and managedFields, keeping the metadata, status and the spec fields read', async () => {
    const api = new MemoryKubeClient();
    const { resourceName } = await new JobExecutor(api).create(largeExecution('big'), 'workflows');
    const job = api.object(resources.jobs, 'workflows', resourceName) as KubeObject & {
      metadata: Record<string, unknown>;
      spec: Record<string, unknown>;
    };
    job.metadata = { ...job.metadata, managedFields: [{ manager: 'roundhouse' }] };
    job.spec = { ...job.spec, completions: 1, managedBy: 'kubernetes.io/job-controller' };
    const cached = cachedJob({ ...job, status: statuses.failed }) as typeof job;
    const { managedFields: _, ...metadata } = job.metadata;
    expect(cached).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata,
      spec: { completions: 1, managedBy: 'kubernetes.io/job-controller' },
      status: statuses.failed,
    });
    expect(JSON.stringify(cached).length).toBeLessThan(JSON.stringify(job).length / 50);
  });

  it("is the job engine's watch transform, so a controller caches its Jobs without the pod template", async () => {
    const api = new MemoryKubeClient();
    const executor = new JobExecutor(api);
    const { resourceName } = await executor.create(largeExecution('watched'), 'workflows');
    const job = api.object(resources.jobs, 'workflows', resourceName) as KubeObject;
    const [watch] = executor.watches;
    expect(watch?.transform?.(job)).toEqual(cachedJob(job));
    expect(watch?.transform?.(job)).not.toHaveProperty('spec.template');
  });

  it('keeps a Job it cannot read whole, for the engine to report as a live read would', () => {
    const odd = { metadata: { name: 'j' }, spec: 'not an object' };
    expect(cachedJob(odd)).toBe(odd);
  });

  it.each(Object.keys(statuses))(
    'gives the same status and adoption from a cached %s Job as from the whole Job',
    async (state) => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2026-01-01T00:02:00Z'));
      const api = new MemoryKubeClient();
      const wfe = largeExecution(state);
      const { resourceName } = await new JobExecutor(api).create(wfe, 'workflows');
      api.setStatus(resources.jobs, 'workflows', resourceName, statuses[state] as object);
      const whole = await answers(api, api, wfe);
      expect(whole.status.value?.phase).toBeDefined();
      expect(await answers(api, cachedJobs(api), wfe)).toEqual(whole);
    },
  );

  it('gives the same answers for a Job another controller manages and one being deleted', async () => {
    const api = new MemoryKubeClient();
    const wfe = largeExecution('elsewhere');
    const { resourceName } = await new JobExecutor(api).create(wfe, 'workflows');
    const job = api.object(resources.jobs, 'workflows', resourceName) as KubeObject & {
      spec: object;
    };
    api.put(resources.jobs, 'workflows', {
      ...job,
      // completions as the API server defaults it, here to what the status message counts.
      spec: { ...job.spec, completions: 2, managedBy: 'kueue.x-k8s.io/multikueue' },
      status: { active: 0, ready: 0 },
    });
    const managed = await answers(api, api, wfe);
    expect(managed.listed).toEqual([]);
    expect(managed.status.value?.message).toContain('0/2');
    expect(await answers(api, cachedJobs(api), wfe)).toEqual(managed);
    api.put(resources.jobs, 'workflows', {
      ...job,
      metadata: { ...job.metadata, deletionTimestamp: '2026-01-01T00:01:00Z' },
      status: statuses.running,
    });
    const deleting = await answers(api, api, wfe);
    expect(deleting.adopt).toHaveProperty('error');
    expect(await answers(api, cachedJobs(api), wfe)).toEqual(deleting);
  });
});
