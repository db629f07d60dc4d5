import { type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, onTestFinished, vi } from 'vitest';
import { cacheObjectName } from '../src/cache.js';
import {
  apply,
  cacheIdentity,
  finishPod,
  patience,
  taskAction,
  useController,
  waitForPhase,
} from './harness.js';

type KubeEvent = KubeObject & {
  involvedObject: { name?: string };
  reason?: string;
  type?: string;
  message?: string;
};

describeWithControlPlane('TaskAction controller: a cache one namespace filled', () => {
  const fixture = useController('ta-cache-quota');
  const { env, client, start } = fixture;

  /** Runs a cached action of `namespace` to completion, its Job succeeding. */
  const complete = async (namespace: string, cacheKey: string) => {
    const action = taskAction({ cacheKey });
    await apply(client(), namespace, action);
    await waitForPhase(client(), namespace, action.metadata.name, 'Executing');
    await finishPod(client(), fixture.executionNamespace, `${action.metadata.name}-0`, 0);
    return {
      action,
      done: await waitForPhase(client(), namespace, action.metadata.name, 'Completed'),
    };
  };

  const entry = (namespace: string, cacheKey: string) =>
    client().get<KubeObject>(
      resources.configMaps,
      fixture.executionNamespace,
      cacheObjectName(cacheIdentity(namespace, cacheKey)),
    );

  /** A ResourceQuota on the execution namespace's ConfigMaps, gone when the test ends. */
  const quotaConfigMaps = async (name: string, room: number) => {
    const { items } = await client().list(resources.configMaps, fixture.executionNamespace);
    await env.controlPlane.createEnforcedQuota(fixture.executionNamespace, name, {
      'count/configmaps': String(items.length + room),
    });
    onTestFinished(async () => {
      await client().delete(resources.resourceQuotas, fixture.executionNamespace, name);
    });
  };

  it("an action whose Job succeeded completes though another namespace's entries filled the ConfigMap quota", async () => {
    // Every ConfigMap the execution namespace holds now, and room for one more: the entry of
    // namespace A's action fills the quota.
    await quotaConfigMaps('filled', 1);
    const tenantA = await env.controlPlane.createNamespace('ta-cache-quota-a');
    await start({ watchNamespace: tenantA });
    const a = await complete(tenantA, 'a-v1');
    expect(a.done.status.cacheStatus).toBe('CACHE_POPULATED');
    expect(await entry(tenantA, 'a-v1')).not.toBeNull();
    await fixture.stop();

    // Namespace B's action: the cache refuses its entry, and it completes all the same.
    await start();
    const b = await complete(env.namespace, 'b-v1');
    expect(b.done.status.cacheStatus).toBe('CACHE_PUT_FAILURE');
    expect(await entry(env.namespace, 'b-v1')).toBeNull();
    expect(await entry(tenantA, 'a-v1')).not.toBeNull();
    const refused = async () => {
      const { items: events } = await client().list<KubeEvent>(resources.events, env.namespace);
      return events.filter(
        (e) => e.involvedObject.name === b.action.metadata.name && e.reason === 'CachePutFailure',
      );
    };
    await vi.waitFor(async () => expect(await refused()).toHaveLength(1), patience);
    expect((await refused())[0]).toMatchObject({
      type: 'Warning',
      message: expect.stringContaining('exceeded quota'),
    });
  });

  it('a namespace churning keys keeps at most its bound, evicting only its own oldest, so the quota stays room for others', async () => {
    // Room for four more ConfigMaps: B's entry, A's two (the bound), and one more, as the quota
    // counts an evicted entry until its controller sees the delete, just after A's next create.
    await quotaConfigMaps('bounded', 4);
    await start({ maxCacheEntriesPerNamespace: 2 });
    expect((await complete(env.namespace, 'b-v1')).done.status.cacheStatus).toBe('CACHE_POPULATED');
    await fixture.stop();

    const tenantA = await env.controlPlane.createNamespace('ta-cache-bound-a');
    await start({ watchNamespace: tenantA, maxCacheEntriesPerNamespace: 2 });
    for (const key of ['a-1', 'a-2', 'a-3']) {
      expect((await complete(tenantA, key)).done.status.cacheStatus).toBe('CACHE_POPULATED');
    }
    expect(await entry(tenantA, 'a-1')).toBeNull();
    expect(await entry(tenantA, 'a-2')).not.toBeNull();
    expect(await entry(tenantA, 'a-3')).not.toBeNull();
    expect(await entry(env.namespace, 'b-v1')).not.toBeNull();
    await fixture.stop();

    await start({ maxCacheEntriesPerNamespace: 2 });
    expect((await complete(env.namespace, 'b-v2')).done.status.cacheStatus).toBe('CACHE_POPULATED');
    expect(await entry(env.namespace, 'b-v1')).not.toBeNull();
  });
});
