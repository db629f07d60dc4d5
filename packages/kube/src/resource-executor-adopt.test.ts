import {
  type Conventions,
  ConventionsMismatchError,
  ExecutionForbiddenError,
  type ExecutionResult,
  executionMetadata,
  executionObjectMeta,
  kubernautConventions,
  PreviousExecutionNotCleanedError,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import type { KubeClient, KubeObject } from './kube-client.js';
import { type ResourceEngine, ResourceExecutor } from './resource-executor.js';
import { resources } from './resources.js';
import { MemoryKubeClient } from './testing/memory-kube-client.js';

const conventions = roundhouseConventions;
const namespace = 'executions';
const running: ExecutionResult = {
  phase: 'Running',
  reason: 'Running',
  message: '',
  summary: { status: 'Unknown' },
};

/**
 * An engine of ConfigMaps whose build refuses while `refusing` is set, as the job engine's
 * refuses an execution over resource ceilings an operator lowered across a restart.
 */
function engine(
  rules: { refusing: boolean },
  names: Conventions = conventions,
): ResourceEngine<KubeObject> {
  return {
    engine: 'configmap',
    type: resources.configMaps,
    build: (wfe, ns) => {
      if (rules.refusing) {
        throw new ExecutionForbiddenError('spec.workflowRef.resources', 'over the ceiling');
      }
      const meta = executionMetadata(wfe, 'configmap', names);
      return { metadata: executionObjectMeta(wfe, ns, meta, names) };
    },
    isFinished: () => false,
    result: async () => running,
  };
}

/** What a start before the restart made for `wfe`, under yesterday's rules. */
async function createdBefore(client: MemoryKubeClient, wfe: WorkflowExecution) {
  const before = new ResourceExecutor(client, engine({ refusing: false }), { conventions });
  return before.create(wfe, namespace);
}

describe('ResourceExecutor adopt', () => {
  it("adopts this execution's resource although the engine's build refuses it now", async () => {
    const client = new MemoryKubeClient();
    const wfe = sampleExecution();
    const made = await createdBefore(client, wfe);
    const stored = client.object(resources.configMaps, namespace, made.resourceName) as KubeObject;
    const createdAt = stored.metadata?.creationTimestamp;
    expect(createdAt).toBeDefined();
    const after = new ResourceExecutor(client, engine({ refusing: true }), { conventions });

    const adopted = await after.adopt(wfe, namespace);

    expect(adopted).toEqual({
      resourceName: made.resourceName,
      warnings: [],
      adoptedKind: 'ConfigMap',
      resourceVersion: made.resourceVersion,
      createdAt,
    });
    // What create does with the same resource there: it builds first, and the build refuses.
    await expect(after.create(wfe, namespace)).rejects.toBeInstanceOf(ExecutionForbiddenError);
  });

  it('adopts the resource by the name the caller found it under, made under a name prefix changed since', async () => {
    const client = new MemoryKubeClient();
    const wfe = sampleExecution();
    const renamed = { ...conventions, namePrefix: 'old-' };
    const before = new ResourceExecutor(client, engine({ refusing: false }, renamed), {
      conventions: renamed,
    });
    const made = await before.create(wfe, namespace);
    const after = new ResourceExecutor(client, engine({ refusing: true }), { conventions });

    expect(await after.adopt(wfe, namespace)).toBeUndefined();
    expect(await after.adopt(wfe, namespace, { resourceName: made.resourceName })).toMatchObject({
      resourceName: made.resourceName,
      adoptedKind: 'ConfigMap',
    });
  });

  it('says when the resource a create made was created, not adopted, so the start counts from it', async () => {
    const client = new MemoryKubeClient();
    const made = await createdBefore(client, sampleExecution());
    const stored = client.object(resources.configMaps, namespace, made.resourceName) as KubeObject;

    expect(stored.metadata?.creationTimestamp).toBeDefined();
    expect(made.createdAt).toBe(stored.metadata?.creationTimestamp);
    expect(made.adoptedKind).toBeUndefined();
  });

  it('says when the resource a create adopted was created', async () => {
    const client = new MemoryKubeClient();
    const wfe = sampleExecution();
    const made = await createdBefore(client, wfe);
    const stored = client.object(resources.configMaps, namespace, made.resourceName) as KubeObject;
    client.put(resources.configMaps, namespace, {
      ...stored,
      metadata: { ...stored.metadata, creationTimestamp: '2026-01-01T10:00:01Z' },
    });

    expect(await createdBefore(client, wfe)).toMatchObject({
      adoptedKind: 'ConfigMap',
      createdAt: '2026-01-01T10:00:01Z',
    });
  });

  it('creates nothing when the resource is gone, and says so', async () => {
    const client = new MemoryKubeClient();
    const executor = new ResourceExecutor(client, engine({ refusing: false }), { conventions });

    expect(await executor.adopt(sampleExecution(), namespace)).toBeUndefined();
    expect((await client.list(resources.configMaps, namespace)).items).toEqual([]);
  });

  it("never adopts another execution's resource, a predecessor of the same name included", async () => {
    const client = new MemoryKubeClient();
    await createdBefore(client, sampleExecution({ uid: 'uid-predecessor' }));
    const executor = new ResourceExecutor(client, engine({ refusing: false }), { conventions });

    expect(await executor.adopt(sampleExecution({ uid: 'uid-successor' }), namespace)).toBe(
      undefined,
    );
  });

  it('refuses its own resource on its way out, as create does', async () => {
    const client = new MemoryKubeClient();
    const wfe = sampleExecution();
    const { resourceName } = await createdBefore(client, wfe);
    const stored = client.object(resources.configMaps, namespace, resourceName) as KubeObject;
    client.put(resources.configMaps, namespace, {
      ...stored,
      metadata: { ...stored.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' },
    });
    const executor = new ResourceExecutor(client, engine({ refusing: false }), { conventions });

    const refused = executor.adopt(wfe, namespace);

    await expect(refused).rejects.toBeInstanceOf(PreviousExecutionNotCleanedError);
    await expect(refused).rejects.toMatchObject({ resourceName });
  });

  it('costs no request when the reader (a controller cache) holds the resource', async () => {
    const cache = new MemoryKubeClient();
    const wfe = sampleExecution();
    const { resourceName } = await createdBefore(cache, wfe);
    // Any request to the API server would throw: the client has nothing to send with.
    const client = {} as KubeClient;
    const executor = new ResourceExecutor(client, engine({ refusing: true }), {
      conventions,
      reader: cache,
    });

    expect(await executor.adopt(wfe, namespace)).toMatchObject({
      resourceName,
      adoptedKind: 'ConfigMap',
    });
  });
});

describe('ResourceExecutor restarted under other conventions', () => {
  it("neither adopts, reads as gone, nor deletes this execution's resource made under the other preset", async () => {
    const client = new MemoryKubeClient();
    const wfe = sampleExecution();
    const { resourceName } = await createdBefore(client, wfe);
    const stored = client.object(resources.configMaps, namespace, resourceName);
    const after = new ResourceExecutor(client, engine({ refusing: false }, kubernautConventions), {
      conventions: kubernautConventions,
    });
    const withRef = { ...wfe, status: { executionRef: { name: resourceName } } };

    await expect(after.adopt(wfe, namespace)).rejects.toBeInstanceOf(ConventionsMismatchError);
    await expect(after.getStatus(withRef, namespace)).rejects.toBeInstanceOf(
      ConventionsMismatchError,
    );
    await expect(after.cleanup(withRef, namespace)).rejects.toBeInstanceOf(
      ConventionsMismatchError,
    );
    await expect(after.create(wfe, namespace)).rejects.toBeInstanceOf(ConventionsMismatchError);
    expect(client.object(resources.configMaps, namespace, resourceName)).toEqual(stored);
  });
});
