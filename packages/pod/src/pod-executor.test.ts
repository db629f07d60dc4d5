import { KubeConfig } from '@kubernetes/client-node';
import { executionMetadata, executionResourceName, roundhouseConventions } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { KubeClient, type KubeObject, type Reader, resources } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { PodExecutor } from './pod-executor.js';
import { podResultFinalizer } from './result-finalizer.js';

describe('PodExecutor', () => {
  it('gives a Pod the default deadline when spec.timesOutAt is further away', async () => {
    // An API server that accepts every create.
    const server = new KubeClient(new KubeConfig());
    const create = vi
      .spyOn(server, 'create')
      .mockImplementation(async (_type, _namespace, body) => ({ object: body, warnings: [] }));
    const wfe = sampleExecution({
      spec: {
        executionEngine: 'pod',
        workflowRef: {
          workflowId: 'w',
          version: '1',
          executionBundle: 'quay.io/acme/b:1',
          engineConfig: { steps: [{ name: 'run', image: 'quay.io/acme/run:1', script: 'true' }] },
        },
        timesOutAt: new Date(Date.now() + 20 * 3_600_000).toISOString(),
      },
    });
    const executor = new PodExecutor(server, {
      defaultTimeout: '1h',
      allowedImages: ['quay.io/acme/*'],
    });
    await executor.create(wfe, 'workflows');
    expect(create.mock.calls.map(([, , body]) => body)).toMatchObject([
      { spec: { activeDeadlineSeconds: 3600 } },
    ]);
  });

  it("reads a fresh status's kubelet warnings live, not from the cache", async () => {
    const wfe = sampleExecution({
      spec: { executionEngine: 'pod', targetResource: 'team-a/deployment/app' },
    });
    const name = 'wfe-1';
    const failed = {
      metadata: {
        name,
        creationTimestamp: '2026-01-02T03:00:00Z',
        ...executionMetadata(wfe, 'pod', roundhouseConventions),
      },
      spec: { containers: [{ name: 'run' }] },
      status: { phase: 'Failed', reason: 'DeadlineExceeded', message: 'past its deadline' },
    };
    const mount = {
      involvedObject: { kind: 'Pod', name },
      reason: 'FailedMount',
      message: 'MountVolume.SetUp failed for volume "deps" : secret "db" not found',
      lastTimestamp: '2026-01-02T03:00:05Z',
    };
    // The API server has the kubelet's warning; the controller's cache has yet to see it.
    const server = new KubeClient(new KubeConfig());
    vi.spyOn(server, 'get').mockImplementation(async () => failed as KubeObject);
    vi.spyOn(server, 'list').mockImplementation(async () => ({
      items: [mount as KubeObject],
      resourceVersion: '2',
    }));
    const cache: Reader = {
      get: async () => failed as never,
      list: async () => ({ items: [], resourceVersion: '1' }),
    };
    const executor = new PodExecutor(server, { reader: cache });
    const ref = { ...wfe, status: { executionRef: { name } } };
    expect((await executor.getStatus(ref, 'workflows'))?.message).toBe('past its deadline');
    expect((await executor.getStatus(ref, 'workflows', { fresh: true }))?.message).toBe(
      `past its deadline; pod ${name}: FailedMount: ${mount.message}`,
    );
    expect(server.list).toHaveBeenCalledWith(resources.events, 'workflows', expect.anything());
  });

  it('gives no warning from before its pod started as the cause of its failure', async () => {
    const wfe = sampleExecution({
      spec: { executionEngine: 'pod', targetResource: 'team-a/deployment/app' },
    });
    const name = 'wfe-1';
    // The Secret was created late: the kubelet could not mount it, then the step ran until the
    // deadline, and the kubelet's last report of it is Running (no exit code).
    const failed = (startedAt: string) => ({
      metadata: {
        name,
        uid: 'pod-uid',
        creationTimestamp: '2026-01-02T03:00:00Z',
        ...executionMetadata(wfe, 'pod', roundhouseConventions),
      },
      spec: { containers: [{ name: 'run' }] },
      status: {
        phase: 'Failed',
        reason: 'DeadlineExceeded',
        message: 'past its deadline',
        containerStatuses: [{ name: 'run', state: { running: { startedAt } } }],
      },
    });
    const mount = {
      involvedObject: { kind: 'Pod', name, uid: 'pod-uid' },
      reason: 'FailedMount',
      message: 'MountVolume.SetUp failed for volume "deps" : secret "db" not found',
      lastTimestamp: '2026-01-02T03:00:05Z',
    };
    const status = async (pod: object) => {
      const server = new KubeClient(new KubeConfig());
      vi.spyOn(server, 'get').mockImplementation(async () => pod as KubeObject);
      vi.spyOn(server, 'list').mockImplementation(async () => ({
        items: [mount as KubeObject],
        resourceVersion: '1',
      }));
      const ref = { ...wfe, status: { executionRef: { name } } };
      return (await new PodExecutor(server).getStatus(ref, 'workflows'))?.message;
    };
    expect(await status(failed('2026-01-02T03:00:40Z'))).toBe('past its deadline');
    // The kubelet writes the warning before the start that ends it: the same second is before.
    expect(await status(failed('2026-01-02T03:00:05Z'))).toBe('past its deadline');
    // A warning after the start (a volume that failed while the step ran) still says why.
    expect(await status(failed('2026-01-02T03:00:04Z'))).toBe(
      `past its deadline; pod ${name}: FailedMount: ${mount.message}`,
    );
  });

  it('takes the result finalizer off once though the cache keeps showing it', async () => {
    const wfe = sampleExecution({
      spec: { executionEngine: 'pod', targetResource: 'team-a/deployment/app' },
    });
    const executor = (server: KubeClient, cache: Reader) =>
      new PodExecutor(server, { reader: cache });
    const name = executionResourceName(wfe.spec.targetResource);
    const held = {
      metadata: {
        name,
        uid: 'pod-uid',
        finalizers: [podResultFinalizer(roundhouseConventions)],
        ...executionMetadata(wfe, 'pod', roundhouseConventions),
      },
      spec: { containers: [{ name: 'run' }] },
      status: { phase: 'Succeeded' },
    };
    const server = new KubeClient(new KubeConfig());
    const patch = vi.spyOn(server, 'patch').mockImplementation(async () => ({}) as KubeObject);
    // The watch has not brought the patched Pod yet: every read still shows the finalizer.
    const stale: Reader = {
      get: async () => held as never,
      list: async () => ({ items: [], resourceVersion: '1' }),
    };
    const engine = executor(server, stale);
    await engine.resultRecorded(wfe, 'workflows');
    await engine.resultRecorded(wfe, 'workflows');
    expect(patch).toHaveBeenCalledTimes(1);
    // A restarted controller does not know, and asks again.
    await executor(server, stale).resultRecorded(wfe, 'workflows');
    expect(patch).toHaveBeenCalledTimes(2);
  });
});
