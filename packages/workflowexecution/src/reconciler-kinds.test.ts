import { noopLogger, Registry } from '@roundhouse/core';
import {
  type KubeClient,
  type KubeObject,
  KubernetesApiError,
  type Reader,
} from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { rolloutsDiscovery } from './discovery.test-support.js';
import { ExecutionPolicySchema } from './execution-policy.js';
import { ExecutionsByTarget } from './executions-by-target.js';
import { KindDiscovery } from './kind-discovery.js';
import { reconcileContext as ctx, reconcilerOver } from './reconciler.test-support.js';

const zero = Date.parse('2026-11-30T10:00:00Z');

function execution(
  name: string,
  target: string,
  createdMs: number,
  bundle = 'registry.invalid/w:1',
): KubeObject {
  return {
    apiVersion: 'roundhouse.dev/v1alpha1',
    kind: 'WorkflowExecution',
    metadata: {
      name,
      namespace: 'team-a',
      uid: `uid-${name}`,
      resourceVersion: '1',
      generation: 1,
      creationTimestamp: new Date(createdMs).toISOString().replace(/\.\d+Z$/, 'Z'),
    },
    spec: {
      workflowRef: { workflowId: 'w', version: '1', executionBundle: bundle },
      targetResource: target,
      executionEngine: 'job',
    },
  };
}

/**
 * The API server and the controller's cache as far as team-a's executions go: writes are
 * conditional on the resourceVersion, move it on, and reach the target index at once.
 */
function cluster(targets: ExecutionsByTarget) {
  const stored = new Map<string, KubeObject>();
  const put = (object: KubeObject) => {
    stored.set(object.metadata?.name as string, object);
    targets.upsert(object);
  };
  const patch = vi.fn(
    async (_t: unknown, _ns: unknown, name: string, body: KubeObject, options?: unknown) => {
      const current = stored.get(name) as KubeObject;
      if (body.metadata?.resourceVersion !== current.metadata?.resourceVersion)
        throw new KubernetesApiError('Conflict', 'the object has been modified', 409);
      const status = (options as { subresource?: string } | undefined)?.subresource === 'status';
      const next: KubeObject = {
        ...current,
        metadata: {
          ...current.metadata,
          ...(status ? {} : { finalizers: body.metadata?.finalizers ?? [] }),
          resourceVersion: String(Number(current.metadata?.resourceVersion) + 1),
        },
        ...(status
          ? { status: { ...(current.status as object), ...(body.status as object) } }
          : {}),
      };
      put(next);
      return next;
    },
  );
  const client = {
    get: vi.fn(async (_t: unknown, _ns: unknown, name: string) => stored.get(name) ?? null),
    patch,
    replace: vi.fn(async () => {
      throw new Error('not expected');
    }),
  } as unknown as KubeClient;
  const reader = {
    get: async (_t: unknown, _ns: unknown, name: string) => stored.get(name) ?? null,
  } as unknown as Reader;
  return { stored, put, client, reader };
}

function jobEngine() {
  let count = 0;
  const created: string[] = [];
  const executor = {
    engine: 'job',
    create: vi.fn(async (wfe: { metadata: { name: string } }) => {
      created.push(wfe.metadata.name);
      count += 1;
      return { resourceName: `wfe-000000000000000${count}`, warnings: [] };
    }),
    getStatus: async () => null,
    cleanup: async () => {},
  };
  return { executor, created };
}

describe('WorkflowExecutionReconciler and kinds discovery has not listed yet', () => {
  it('runs one of two spellings of a kind installed after the last read, created before the next', async () => {
    let clock = zero;
    const targets = new ExecutionsByTarget();
    const api = cluster(targets);
    const answers = [rolloutsDiscovery(false), rolloutsDiscovery(true)];
    const reads: number[] = [];
    const kinds = new KindDiscovery(
      {
        discoverApiResources: async () => {
          reads.push(clock - zero);
          return answers.shift() ?? [];
        },
      },
      (table) => targets.useKinds(table),
      { logger: noopLogger, refreshMs: 600_000, unknownKindMs: 30_000, now: () => clock },
    );
    const engine = jobEngine();
    const reconciler = reconcilerOver(api, {
      registry: new Registry().register(engine.executor),
      targets,
      kinds,
      policy: ExecutionPolicySchema.parse({ bundles: ['*'], dependencyOptIn: false }),
      watchedEngines: new Set(['job']),
      now: () => new Date(clock),
    });
    await kinds.read();
    // The CRD is installed at 5 s; both executions are created at 10 s.
    clock += 10_000;
    api.put(execution('short', 'prod/ro/app', clock));
    api.put(execution('kind', 'prod/Rollout/app', clock));
    const results = [
      await reconciler.reconcile('team-a/short', ctx()),
      await reconciler.reconcile('team-a/kind', ctx()),
    ];
    expect(results).toEqual([{ requeueAfter: 20_000 }, { requeueAfter: 20_000 }]);
    expect(engine.created).toEqual([]);
    expect(reads).toEqual([0]);
    // Each comes back when it was told to, until neither waits on discovery.
    for (let round = 0; round < 5; round += 1) {
      const waits = [];
      for (const name of ['short', 'kind']) {
        if (api.stored.get(name)?.status) continue;
        const result = await reconciler.reconcile(`team-a/${name}`, ctx());
        if (result?.requeueAfter) waits.push(result.requeueAfter);
      }
      if (waits.length === 0) break;
      clock += Math.min(...waits);
    }
    expect(reads).toEqual([0, 30_000]);
    expect(engine.created).toHaveLength(1);
    const phases = ['short', 'kind'].map((name) => api.stored.get(name)?.status);
    expect(phases.map((status) => (status as { phase?: string })?.phase).toSorted()).toEqual([
      'Failed',
      'Running',
    ]);
    expect(phases).toContainEqual(
      expect.objectContaining({ deduplicatedBy: engine.created[0], failureReason: 'Deduplicated' }),
    );
  });

  it('fails an execution the policy refuses at once, without asking discovery about its kind', async () => {
    const targets = new ExecutionsByTarget();
    const api = cluster(targets);
    const kinds = { learnKindOf: vi.fn(() => 1_000) };
    const engine = jobEngine();
    const reconciler = reconcilerOver(api, {
      registry: new Registry().register(engine.executor),
      targets,
      kinds,
      policy: ExecutionPolicySchema.parse({ bundles: ['registry.example.com/*'] }),
      watchedEngines: new Set(['job']),
    });
    api.put(execution('refused', 'prod/ro/app', Date.now()));
    expect(await reconciler.reconcile('team-a/refused', ctx())).toBeUndefined();
    expect(api.stored.get('refused')?.status).toMatchObject({
      phase: 'Failed',
      failureDetails: { reason: 'Forbidden' },
    });
    expect(kinds.learnKindOf).not.toHaveBeenCalled();
    expect(engine.created).toEqual([]);
  });
});
