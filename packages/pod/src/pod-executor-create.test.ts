import { roundhouseConventions } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { type KubeObject, type Reader, resources } from '@roundhouse/kube';
import { MemoryKubeClient } from '@roundhouse/kube/testing';
import { describe, expect, it, vi } from 'vitest';
import { PodExecutor } from './pod-executor.js';
import { podResultFinalizer } from './result-finalizer.js';

const namespace = 'executions';
const wfe = sampleExecution({
  spec: {
    executionEngine: 'pod',
    workflowRef: {
      workflowId: 'w',
      version: '1',
      executionBundle: 'quay.io/acme/b:1',
      engineConfig: { steps: [{ name: 'run', image: 'quay.io/acme/run:1', script: 'true' }] },
    },
  },
});

/** A cache that has not seen the Pod yet, counting what it is asked. */
function cacheBehind(): Reader & { get: ReturnType<typeof vi.fn> } {
  return {
    get: vi.fn(async () => null),
    list: async () => ({ items: [], resourceVersion: '1' }),
  };
}

describe('PodExecutor createResource', () => {
  it('hands back the Pod the create answered, whose steps read without a request', async () => {
    const client = new MemoryKubeClient();
    const reader = cacheBehind();
    const executor = new PodExecutor(client, { allowedImages: ['quay.io/acme/*'], reader });
    const get = vi.spyOn(client, 'get');

    const created = await executor.createResource(wfe, namespace);
    const status = await executor.stepStatusOf(created.object, namespace);

    expect(created.object).toEqual(client.object(resources.pods, namespace, created.resourceName));
    expect(status).toMatchObject({
      podName: created.resourceName,
      createdAt: created.createdAt,
      steps: [{ name: 'run' }],
    });
    expect(get).not.toHaveBeenCalled();
    expect(reader.get).not.toHaveBeenCalled();
  });

  it('hands back a Pod it adopted on its way out, which its deletion stopped', async () => {
    const client = new MemoryKubeClient();
    const made = await new PodExecutor(client, { allowedImages: ['quay.io/acme/*'] }).create(
      wfe,
      namespace,
    );
    const pod = client.object(resources.pods, namespace, made.resourceName) as KubeObject;
    // Deleted by another hand, kept by the engine's finalizer.
    client.put(resources.pods, namespace, {
      ...pod,
      metadata: {
        ...pod.metadata,
        deletionTimestamp: '2026-01-01T00:00:00Z',
        finalizers: [podResultFinalizer(roundhouseConventions)],
      },
    });
    const executor = new PodExecutor(client, { allowedImages: ['quay.io/acme/*'] });

    const adopted = await executor.createResource(wfe, namespace);

    expect(adopted).toMatchObject({ resourceName: made.resourceName, adoptedKind: 'Pod' });
    expect(adopted.object.metadata?.deletionTimestamp).toBe('2026-01-01T00:00:00Z');
    expect(await executor.stepStatusOf(adopted.object, namespace)).toBeNull();
  });

  it('leaves the Pod out of what create and adopt answer, the Executor contract', async () => {
    const client = new MemoryKubeClient();
    const executor = new PodExecutor(client, { allowedImages: ['quay.io/acme/*'] });

    expect(await executor.create(wfe, namespace)).not.toHaveProperty('object');
    expect(await executor.create(wfe, namespace)).toMatchObject({ adoptedKind: 'Pod' });
    expect(await executor.create(wfe, namespace)).not.toHaveProperty('object');
    expect(await executor.adopt(wfe, namespace)).not.toHaveProperty('object');
  });
});
