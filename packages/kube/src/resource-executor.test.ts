import {
  CleanupPendingError,
  type ExecutionResult,
  type OperationOptions,
  roundhouseConventions,
} from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import type { KubeClient, KubeObject } from './kube-client.js';
import { type ResourceEngine, ResourceExecutor } from './resource-executor.js';
import { resources } from './resources.js';

const running: ExecutionResult = {
  phase: 'Running',
  reason: 'Running',
  message: '',
  summary: { status: 'Unknown' },
};

/** An engine of ConfigMaps; its executions are never built here. */
const engine: ResourceEngine<KubeObject> = {
  engine: 'configmap',
  type: resources.configMaps,
  build: () => ({}),
  isFinished: () => false,
  result: async () => running,
};

const client = {} as KubeClient;
const options = { conventions: roundhouseConventions };

/** An engine whose ConfigMap named `busy` must not be deleted yet. */
class HoldingExecutor extends ResourceExecutor<KubeObject> {
  readonly asked: { name: string | undefined; signal: AbortSignal | undefined }[] = [];

  protected override async deletionPending(
    object: KubeObject,
    { signal }: OperationOptions,
  ): Promise<CleanupPendingError | undefined> {
    this.asked.push({ name: object.metadata?.name, signal });
    return object.metadata?.name === 'busy' ? new CleanupPendingError('busy', 5) : undefined;
  }
}

describe('ResourceExecutor watch', () => {
  it("carries the engine's deletionPending, so a controller deleting an orphan asks it", async () => {
    const executor = new HoldingExecutor(client, engine, options);
    const [watch] = executor.watches;
    const signal = new AbortController().signal;

    const busy = await watch?.deletionPending?.({ metadata: { name: 'busy' } }, signal);
    const idle = await watch?.deletionPending?.({ metadata: { name: 'idle' } });

    expect(busy).toBeInstanceOf(CleanupPendingError);
    expect(idle).toBeUndefined();
    expect(executor.asked).toEqual([
      { name: 'busy', signal },
      { name: 'idle', signal: undefined },
    ]);
  });

  it('carries none for an engine whose resources may always go', () => {
    const [watch] = new ResourceExecutor(client, engine, options).watches;

    expect(watch).toBeDefined();
    expect(watch && 'deletionPending' in watch).toBe(false);
  });

  it("carries the engine's watch transform, so a controller caches the trimmed resource", () => {
    const watchTransform = ({ data: _, ...object }: { data?: unknown }) => object;
    const [trimming] = new ResourceExecutor(client, { ...engine, watchTransform }, options).watches;
    const [plain] = new ResourceExecutor(client, engine, options).watches;

    expect(trimming?.transform?.({ metadata: { name: 'a' }, data: { big: 'x' } })).toEqual({
      metadata: { name: 'a' },
    });
    expect(plain && 'transform' in plain).toBe(false);
  });
});
