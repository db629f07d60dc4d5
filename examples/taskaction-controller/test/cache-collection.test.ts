import { reservationSpec } from '@roundhouse/controller';
import { type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { afterAll, expect, it, vi } from 'vitest';
import { cacheEntryConfigMap, cacheObjectName, reservationLease } from '../src/cache.js';
import {
  apply,
  cacheIdentity,
  cacheResyncMs,
  finishPod,
  jobsOf,
  patience,
  readCacheLease,
  serializedTaskAction,
  taskAction,
  useController,
  waitForPhase,
} from './harness.js';

describeWithControlPlane('TaskAction controller: the cache entries of a deleted namespace', () => {
  const fixture = useController('ta-cachegc', { resyncMs: cacheResyncMs });
  const { env, client, start, stop } = fixture;
  const tenants: string[] = [];

  afterAll(async () => {
    for (const tenant of tenants) await env.controlPlane.deleteNamespace(tenant);
  });

  /** A tenant namespace of the test's own, which it deletes and creates again. */
  const tenantNamespace = async () => {
    const name = await env.controlPlane.createNamespace('ta-tenant');
    tenants.push(name);
    return name;
  };
  const uidOf = async (namespace: string) =>
    (await client().get(resources.namespaces, undefined, namespace))?.metadata?.uid;
  const entry = (namespace: string, cacheKey: string) =>
    client().get<KubeObject & { data?: Record<string, string> }>(
      resources.configMaps,
      fixture.executionNamespace,
      cacheObjectName(cacheIdentity(namespace, cacheKey)),
    );
  /**
   * An entry as the controller stores one, for a namespace no controller of this test runs;
   * without `recordUid`, as one stored before entries recorded their namespace's uid.
   */
  const storeEntry = async (namespace: string, cacheKey: string, recordUid = true) => {
    const configMap = cacheEntryConfigMap(
      fixture.executionNamespace,
      cacheIdentity(namespace, cacheKey),
      's3://bucket/elsewhere/outputs.pb',
      { name: 'elsewhere', ...(recordUid ? { namespaceUid: await uidOf(namespace) } : {}) },
    );
    await client().create(resources.configMaps, fixture.executionNamespace, configMap);
  };
  /** Deletes the namespace and creates it again under its name once the first is gone. */
  const deleteAndCreateAgain = async (namespace: string) => {
    const before = await uidOf(namespace);
    await client().delete(resources.namespaces, undefined, namespace);
    await vi.waitFor(async () => expect(await uidOf(namespace)).toBeUndefined(), patience);
    await client().create(resources.namespaces, undefined, {
      metadata: { name: namespace, labels: { 'roundhouse.dev/testenv': 'true' } },
    });
    expect(await uidOf(namespace)).not.toBe(before);
  };
  /** A cached action in the namespace runs: a miss, not a hit on an earlier tenant's entry. */
  const missesAndRuns = async (namespace: string, cacheKey: string) => {
    const action = taskAction({ cacheKey });
    await apply(client(), namespace, action);
    const running = await waitForPhase(client(), namespace, action.metadata.name, 'Executing');
    expect(running.status.cacheStatus).toBe('CACHE_MISS');
    expect(
      await jobsOf(client(), fixture.executionNamespace, `${action.metadata.name}-0`),
    ).toHaveLength(1);
  };

  it("deletes a deleted namespace's entries, keeps another controller's, and the namespace created again under its name gets no hit", async () => {
    const tenant = await tenantNamespace();
    // Another controller's namespace (outside --watch-namespace), gone: its entries are that
    // controller's to delete, even at this one's start-up sweep.
    const other = await tenantNamespace();
    await storeEntry(other, 'train-v1');
    await client().delete(resources.namespaces, undefined, other);
    await vi.waitFor(async () => expect(await uidOf(other)).toBeUndefined(), patience);
    await start({ watchNamespace: tenant });
    const first = taskAction({ cacheKey: 'train-v1' });
    await apply(client(), tenant, first);
    await waitForPhase(client(), tenant, first.metadata.name, 'Executing');
    await finishPod(client(), fixture.executionNamespace, `${first.metadata.name}-0`, 0);
    await waitForPhase(client(), tenant, first.metadata.name, 'Completed');
    expect((await entry(tenant, 'train-v1'))?.data).toMatchObject({
      populatedBy: first.metadata.name,
      namespaceUid: await uidOf(tenant),
    });

    await deleteAndCreateAgain(tenant);
    await vi.waitFor(async () => expect(await entry(tenant, 'train-v1')).toBeNull(), patience);
    expect((await entry(other, 'train-v1'))?.data).toMatchObject({
      populatedBy: 'elsewhere',
    });
    await missesAndRuns(tenant, 'train-v1');
  });

  it('deletes at its start the entries of a namespace deleted and created again while no controller ran', async () => {
    const tenant = await tenantNamespace();
    await storeEntry(tenant, 'embed-v1');
    // Stored by a version before entries recorded their namespace's uid.
    await storeEntry(tenant, 'embed-v0', false);
    await start({ watchNamespace: tenant });
    await new Promise((resolve) => setTimeout(resolve, cacheResyncMs));
    // The namespace as it exists keeps its entries.
    expect(await entry(tenant, 'embed-v1')).not.toBeNull();
    expect(await entry(tenant, 'embed-v0')).not.toBeNull();
    await stop();

    await deleteAndCreateAgain(tenant);
    expect(await entry(tenant, 'embed-v1')).not.toBeNull();
    await start({ watchNamespace: tenant });
    await vi.waitFor(async () => expect(await entry(tenant, 'embed-v1')).toBeNull(), patience);
    await vi.waitFor(async () => expect(await entry(tenant, 'embed-v0')).toBeNull(), patience);
    await missesAndRuns(tenant, 'embed-v1');
  });

  it('deletes the reservation Leases a holder gone without releasing left, at its start and once they expire, and keeps a held one', async () => {
    const tenant = await tenantNamespace();
    const other = await tenantNamespace();
    const lease = (namespace: string, cacheKey: string) =>
      readCacheLease(client(), fixture.executionNamespace, namespace, cacheKey);
    /** A reservation as a holder that is gone took it at `renewed` and never gave up. */
    const leaveLease = (namespace: string, cacheKey: string, renewed: Date) =>
      client().create(
        resources.leases,
        fixture.executionNamespace,
        reservationLease(
          fixture.executionNamespace,
          cacheIdentity(namespace, cacheKey),
          reservationSpec(undefined, `gone-${cacheKey}`, renewed, cacheResyncMs),
        ),
      );
    const longAgo = new Date(Date.now() - 3_600_000);
    // Left by a controller that crashed an hour ago; and one of another controller's namespace
    // (outside --watch-namespace), expired too: that controller's to judge.
    await leaveLease(tenant, 'left-v1', longAgo);
    await leaveLease(other, 'left-v1', longAgo);

    await start({ watchNamespace: tenant });
    const holder = serializedTaskAction('held-v1');
    await apply(client(), tenant, holder);
    const running = await waitForPhase(client(), tenant, holder.metadata.name, 'Executing');
    await vi.waitFor(async () => expect(await lease(tenant, 'left-v1')).toBeNull(), patience);

    // Left while the controller runs: held for three heartbeats, then expired and collected.
    await leaveLease(tenant, 'left-v2', new Date());
    await vi.waitFor(async () => expect(await lease(tenant, 'left-v2')).toBeNull(), patience);
    // The holder's Lease outlived both, renewed by its heartbeat, never deleted and taken again.
    expect((await lease(tenant, 'held-v1'))?.spec).toMatchObject({
      holderIdentity: running.metadata.uid,
      leaseTransitions: 0,
    });
    expect((await lease(other, 'left-v1'))?.spec?.holderIdentity).toBe('gone-left-v1');

    await finishPod(client(), fixture.executionNamespace, `${holder.metadata.name}-0`, 0);
    await waitForPhase(client(), tenant, holder.metadata.name, 'Completed');
    expect(await lease(tenant, 'held-v1')).toBeNull();
    await client().delete(
      resources.leases,
      fixture.executionNamespace,
      cacheObjectName(cacheIdentity(other, 'left-v1')),
    );
  }, 240_000);
});
