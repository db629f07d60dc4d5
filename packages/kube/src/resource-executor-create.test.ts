import { executionMetadata, executionObjectMeta, roundhouseConventions } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { describe, expect, it, vi } from 'vitest';
import type { KubeObject } from './kube-client.js';
import { type ResourceEngine, ResourceExecutor } from './resource-executor.js';
import { resources } from './resources.js';
import { MemoryKubeClient } from './testing/memory-kube-client.js';

const conventions = roundhouseConventions;
const namespace = 'executions';

const engine: ResourceEngine<KubeObject> = {
  engine: 'configmap',
  type: resources.configMaps,
  build: (wfe, ns) => ({
    metadata: executionObjectMeta(
      wfe,
      ns,
      executionMetadata(wfe, 'configmap', conventions),
      conventions,
    ),
    data: { made: 'here' },
  }),
  isFinished: () => false,
  result: async () => {
    throw new Error('not read here');
  },
};

describe('ResourceExecutor createResource', () => {
  it('hands back the resource as the create answered it, so its caller reads nothing back', async () => {
    const client = new MemoryKubeClient();
    const executor = new ResourceExecutor(client, engine, { conventions });
    const get = vi.spyOn(client, 'get');

    const created = await executor.createResource(sampleExecution(), namespace);

    expect(created.object).toEqual(
      client.object(resources.configMaps, namespace, created.resourceName),
    );
    expect(created).toMatchObject({
      resourceVersion: created.object.metadata?.resourceVersion,
      createdAt: created.object.metadata?.creationTimestamp,
    });
    expect(get).not.toHaveBeenCalled();
  });

  it('hands back the resource the create adopted, as the read that adopted it showed it', async () => {
    const client = new MemoryKubeClient();
    const executor = new ResourceExecutor(client, engine, { conventions });
    const wfe = sampleExecution();
    const first = await executor.createResource(wfe, namespace);

    const again = await executor.createResource(wfe, namespace);

    expect(again).toMatchObject({ adoptedKind: 'ConfigMap', object: first.object });
  });

  it('leaves the resource out of what create answers, the Executor contract', async () => {
    const client = new MemoryKubeClient();
    const executor = new ResourceExecutor(client, engine, { conventions });
    const wfe = sampleExecution();

    expect(Object.keys(await executor.create(wfe, namespace)).sort()).toEqual([
      'createdAt',
      'resourceName',
      'resourceVersion',
      'warnings',
    ]);
    expect(await executor.create(wfe, namespace)).not.toHaveProperty('object');
  });
});
