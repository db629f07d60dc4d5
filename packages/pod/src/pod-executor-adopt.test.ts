import {
  type CreateResult,
  PreviousExecutionNotCleanedError,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { type KubeObject, resources } from '@roundhouse/kube';
import { MemoryKubeClient } from '@roundhouse/kube/testing';
import { describe, expect, it } from 'vitest';
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

/** The Pod a start before the restart made, when the engine allowed the step's image. */
async function createdBefore(client: MemoryKubeClient, execution: WorkflowExecution) {
  return new PodExecutor(client, { allowedImages: ['quay.io/acme/*'] }).create(
    execution,
    namespace,
  );
}

/** Marks the stored Pod deleted, as a `kubectl delete` another hand ran. */
function deleted(client: MemoryKubeClient, { resourceName }: CreateResult, finalizers: string[]) {
  const pod = client.object(resources.pods, namespace, resourceName) as KubeObject;
  client.put(resources.pods, namespace, {
    ...pod,
    metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:00:00Z', finalizers },
  });
}

describe('PodExecutor adopt', () => {
  it('adopts the Pod although the engine no longer allows its image', async () => {
    const client = new MemoryKubeClient();
    const made = await createdBefore(client, wfe);
    const after = new PodExecutor(client, { allowedImages: ['quay.io/other/*'] });

    await expect(after.create(wfe, namespace)).rejects.toMatchObject({ reason: 'Forbidden' });
    const pod = client.object(resources.pods, namespace, made.resourceName) as KubeObject;
    expect(await after.adopt(wfe, namespace)).toEqual({
      resourceName: made.resourceName,
      warnings: [],
      adoptedKind: 'Pod',
      resourceVersion: made.resourceVersion,
      createdAt: pod.metadata?.creationTimestamp,
    });
  });

  it('creates no Pod when there is none', async () => {
    const client = new MemoryKubeClient();
    const executor = new PodExecutor(client, { allowedImages: ['quay.io/acme/*'] });

    expect(await executor.adopt(wfe, namespace)).toBeUndefined();
    expect((await client.list(resources.pods, namespace)).items).toEqual([]);
  });

  it('adopts its deleted Pod kept by the result finalizer, as create does', async () => {
    const client = new MemoryKubeClient();
    const made = await createdBefore(client, wfe);
    deleted(client, made, [podResultFinalizer(roundhouseConventions)]);
    const executor = new PodExecutor(client, { allowedImages: [] });
    const pod = client.object(resources.pods, namespace, made.resourceName) as KubeObject;

    expect(await executor.adopt(wfe, namespace)).toMatchObject({
      resourceName: made.resourceName,
      adoptedKind: 'Pod',
      createdAt: pod.metadata?.creationTimestamp,
    });
    expect(pod.metadata?.creationTimestamp).toBeDefined();
  });

  it('refuses its deleted Pod a cleanup is removing', async () => {
    const client = new MemoryKubeClient();
    const made = await createdBefore(client, wfe);
    deleted(client, made, []);
    const executor = new PodExecutor(client, { allowedImages: ['quay.io/acme/*'] });

    await expect(executor.adopt(wfe, namespace)).rejects.toBeInstanceOf(
      PreviousExecutionNotCleanedError,
    );
  });
});
