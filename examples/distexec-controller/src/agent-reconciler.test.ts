import { noopLogger } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import type { ProcessSupervisor } from '@roundhouse/process';
import { describe, expect, it, vi } from 'vitest';
import { AgentReconciler } from './agent-reconciler.js';
import { FakeDistExecApi } from './fake-api.test-support.js';
import type { NodeDirectory } from './nodes.js';
import { nodeFinalizer } from './resource.js';

const node = 'worker-1';

function distExec(): KubeObject {
  return {
    apiVersion: 'roundhouse.dev/v1alpha1',
    kind: 'DistExec',
    metadata: { name: 'hello', namespace: 'ops', uid: 'u-1', generation: 1, resourceVersion: '1' },
    spec: { command: 'echo hello' },
  };
}

/** An agent whose informer holds `cached`, on a node every DistExec selects. */
function agentOver(api: FakeDistExecApi, cached: KubeObject) {
  const observed: KubeObject[] = [];
  const started = new Set<string>();
  const supervisor = {
    list: () => [],
    get: (name: string) => (started.has(name) ? { name, state: 'Running' } : undefined),
    create: vi.fn(async ({ name }: { name: string }) => {
      started.add(name);
      return { created: true };
    }),
    delete: vi.fn(async () => {}),
  };
  const nodes = {
    get: async () => ({ metadata: { name: node } }),
    known: () => new Set([node]),
    selected: () => [node],
    missing: async () => [],
  };
  const reconciler = new AgentReconciler({
    nodeName: node,
    client: api.client,
    distExecs: { get: () => observed.at(-1) ?? cached, observe: (o) => observed.push(o) },
    nodes: nodes as unknown as NodeDirectory,
    supervisor: supervisor as unknown as ProcessSupervisor,
    outputLimitBytes: 64,
    pollMs: 1_000,
  });
  const ctx = { signal: new AbortController().signal, logger: noopLogger, attempt: 0 };
  return { reconcile: () => reconciler.reconcile('ops/hello', ctx), supervisor, observed };
}

describe('AgentReconciler at scale', () => {
  it('starts a command from the cached copy without reading it, and caches its own writes', async () => {
    const api = new FakeDistExecApi(distExec());
    const agent = agentOver(api, api.stored);
    expect(await agent.reconcile()).toEqual({ requeueAfter: 1_000 });
    expect(agent.supervisor.create).toHaveBeenCalledTimes(1);
    expect(api.stored.metadata?.finalizers).toEqual([nodeFinalizer(node)]);
    expect(api.stored.status).toMatchObject({ results: { [node]: { phase: 'Running' } } });
    expect(api.reads).toBe(0);
    // The finalizer's and the status's answers: the next reconcile sees its own writes.
    expect(agent.observed.at(-1)).toBe(api.stored);
    expect(await agent.reconcile()).toEqual({ requeueAfter: 1_000 });
    expect(api.writes).toBe(2);
    expect(api.reads).toBe(0);
  });

  it('starts nothing of a spec the cached copy shows once the API server has a newer one', async () => {
    const api = new FakeDistExecApi(distExec());
    const cached = api.stored;
    api.change((o) => ({
      ...o,
      metadata: { ...o.metadata, generation: 2 },
      spec: { command: 'echo changed' },
    }));
    const agent = agentOver(api, cached);
    await agent.reconcile();
    expect(agent.supervisor.create).not.toHaveBeenCalled();
    // The finalizer write's answer shows generation 2; the next reconcile starts that one.
    await agent.reconcile();
    expect(agent.supervisor.create).toHaveBeenCalledTimes(1);
    expect(agent.supervisor.create).toHaveBeenCalledWith(
      expect.objectContaining({ name: expect.stringContaining('-g2-a1') }),
    );
  });
});
