import { createHash } from 'node:crypto';
import { phaseOf } from '@roundhouse/controller';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import { grantRole } from '../../../test/security/rbac-grant.js';
import { cacheEntryConfigMap, cacheNamespaceLabel, cacheObjectName } from '../src/cache.js';
import { taskActions } from '../src/resource.js';
import { waitForCacheLooks } from './cache-looks.js';
import {
  apply,
  cacheIdentity,
  cacheResyncMs,
  finishPod,
  jobsOf,
  patience,
  type RunningController,
  read,
  readCacheLease,
  serializedTaskAction,
  taskAction,
  useController,
  waitForPhase,
} from './harness.js';

describeWithControlPlane('TaskAction controller: cache and cache serialization', () => {
  const fixture = useController('ta-cache', { resyncMs: cacheResyncMs });
  const { env, client, start } = fixture;

  /** The entry for this key of `namespace`'s actions, in the execution namespace. */
  const entry = (cacheKey: string, namespace = env.namespace) =>
    client().get<KubeObject & { data?: Record<string, string>; metadata?: KubeObject['metadata'] }>(
      resources.configMaps,
      fixture.executionNamespace,
      cacheObjectName(cacheIdentity(namespace, cacheKey)),
    );
  const lease = (cacheKey: string) =>
    readCacheLease(client(), fixture.executionNamespace, env.namespace, cacheKey);

  /**
   * The waiter holds the reservation in a lease of its own: the holder's was deleted (released),
   * not taken over after it expired, which would count a transition.
   */
  const heldAfterRelease = async (cacheKey: string, uid: string | undefined) => {
    expect((await lease(cacheKey))?.spec).toMatchObject({
      holderIdentity: uid,
      leaseTransitions: 0,
    });
  };

  /** Waits until the action is Queued and says it waits for the cache. */
  const waitsForCache = (name: string) =>
    vi.waitFor(async () => {
      const action = await read(client(), env.namespace, name);
      expect(action && phaseOf(action.status)).toBe('Queued');
      const progressing = action?.status.conditions?.find((c) => c.type === 'Progressing');
      expect(progressing?.message).toMatch(/^WaitingForCache: /);
      expect(action?.status.cacheStatus).toBe('CACHE_MISS');
      return action;
    }, patience);

  /** The first action with the key runs and holds it; the second waits for the cache. */
  const holderAndWaiter = async (cacheKey: string) => {
    const first = serializedTaskAction(cacheKey);
    await apply(client(), env.namespace, first);
    await waitForPhase(client(), env.namespace, first.metadata.name, 'Executing');
    const second = serializedTaskAction(cacheKey);
    const secondObject = await apply(client(), env.namespace, second);
    await waitsForCache(second.metadata.name);
    return { first, second, secondObject };
  };

  /** Still waiting after the lease would have expired twice over had its holder not renewed it. */
  const stillWaitsAfterHeartbeats = async (controller: RunningController, name: string) => {
    const jobs = () => jobsOf(client(), fixture.executionNamespace, `${name}-0`);
    // A waiter looks a heartbeat apart: seven looks span six heartbeats, the lease's three twice.
    await waitForCacheLooks(
      controller.looks,
      `${env.namespace}/${name}`,
      { since: Date.now(), count: 7 },
      async () => (await jobs()).length > 0,
      patience,
    );
    expect(await jobs(), 'the waiter ran beside its holder').toEqual([]);
    await waitsForCache(name);
  };

  it('a miss runs and populates the cache; a hit then launches nothing and reports the first outputs', async () => {
    const { writer } = await start();
    const first = taskAction({ cacheKey: 'train-v1' });
    await apply(client(), env.namespace, first);
    await waitForPhase(client(), env.namespace, first.metadata.name, 'Executing');
    await finishPod(client(), fixture.executionNamespace, `${first.metadata.name}-0`, 0);
    const populated = await waitForPhase(client(), env.namespace, first.metadata.name, 'Completed');
    const firstOutputs = `s3://bucket/run1/${first.spec.actionName}/1/outputs.pb`;
    expect(populated.status.cacheStatus).toBe('CACHE_POPULATED');
    expect((await entry('train-v1'))?.data).toMatchObject({
      cacheKey: 'train-v1',
      outputUri: firstOutputs,
      populatedBy: first.metadata.name,
    });
    expect(writer.of(first.metadata.name).at(-1)?.event).toMatchObject({
      phase: 'Completed',
      cacheStatus: 'CACHE_POPULATED',
      outputs: { outputUri: firstOutputs },
    });

    const second = taskAction({ cacheKey: 'train-v1' });
    await apply(client(), env.namespace, second);
    const hit = await waitForPhase(client(), env.namespace, second.metadata.name, 'Completed');
    expect(hit.status.cacheStatus).toBe('CACHE_HIT');
    expect(hit.status.phaseHistory?.map((h) => h.phase)).toEqual(['Queued', 'Completed']);
    expect(await jobsOf(client(), fixture.executionNamespace, `${second.metadata.name}-0`)).toEqual(
      [],
    );
    const events = writer.of(second.metadata.name).map((r) => r.event);
    expect(events.map((e) => e.phase)).toEqual(['Queued', 'Completed']);
    expect(events[1]).toMatchObject({
      cacheStatus: 'CACHE_HIT',
      outputs: { outputUri: firstOutputs },
    });
  });

  it('a failed action populates nothing, so the next with its key runs', async () => {
    await start();
    const failing = taskAction({ cacheKey: 'flaky-v1' });
    await apply(client(), env.namespace, failing);
    await waitForPhase(client(), env.namespace, failing.metadata.name, 'Executing');
    await finishPod(client(), fixture.executionNamespace, `${failing.metadata.name}-0`, 1);
    const failed = await waitForPhase(
      client(),
      env.namespace,
      failing.metadata.name,
      'PermanentFailure',
    );
    expect(failed.status.cacheStatus).toBe('CACHE_MISS');
    expect(await entry('flaky-v1')).toBeNull();

    const next = taskAction({ cacheKey: 'flaky-v1' });
    await apply(client(), env.namespace, next);
    const running = await waitForPhase(client(), env.namespace, next.metadata.name, 'Executing');
    expect(running.status.cacheStatus).toBe('CACHE_MISS');
    expect(
      await jobsOf(client(), fixture.executionNamespace, `${next.metadata.name}-0`),
    ).toHaveLength(1);
  });

  it('serialized: the second waits, launching nothing, while the first runs, then is a hit', async () => {
    const controller = await start();
    const { writer } = controller;
    const first = serializedTaskAction('embed-v1');
    const firstObject = await apply(client(), env.namespace, first);
    await waitForPhase(client(), env.namespace, first.metadata.name, 'Executing');
    expect((await lease('embed-v1'))?.spec?.holderIdentity).toBe(firstObject.metadata?.uid);

    const second = serializedTaskAction('embed-v1');
    await apply(client(), env.namespace, second);
    await waitsForCache(second.metadata.name);
    // The holder's heartbeat keeps its reservation past the lease's duration.
    await stillWaitsAfterHeartbeats(controller, second.metadata.name);
    const waitEvent = writer.of(second.metadata.name).at(-1)?.event;
    expect(waitEvent).toMatchObject({ phase: 'Queued', cacheStatus: 'CACHE_MISS' });
    expect(waitEvent?.message).toContain(firstObject.metadata?.uid);

    await finishPod(client(), fixture.executionNamespace, `${first.metadata.name}-0`, 0);
    await waitForPhase(client(), env.namespace, first.metadata.name, 'Completed');
    const hit = await waitForPhase(client(), env.namespace, second.metadata.name, 'Completed');
    expect(hit.status.cacheStatus).toBe('CACHE_HIT');
    expect(await jobsOf(client(), fixture.executionNamespace, `${second.metadata.name}-0`)).toEqual(
      [],
    );
    expect(writer.of(second.metadata.name).at(-1)?.event.outputs?.outputUri).toBe(
      `s3://bucket/run1/${first.spec.actionName}/1/outputs.pb`,
    );
    // Released on success: nothing is left reserved.
    await vi.waitFor(async () => expect(await lease('embed-v1')).toBeNull(), patience);
  });

  it('serialized: a failure releases the reservation, and the waiter takes it and runs', async () => {
    await start();
    const { first, second, secondObject } = await holderAndWaiter('score-v1');
    expect(await jobsOf(client(), fixture.executionNamespace, `${second.metadata.name}-0`)).toEqual(
      [],
    );

    await finishPod(client(), fixture.executionNamespace, `${first.metadata.name}-0`, 1);
    await waitForPhase(client(), env.namespace, first.metadata.name, 'PermanentFailure');
    await waitForPhase(client(), env.namespace, second.metadata.name, 'Executing');
    expect(
      await jobsOf(client(), fixture.executionNamespace, `${second.metadata.name}-0`),
    ).toHaveLength(1);
    await heldAfterRelease('score-v1', secondObject.metadata?.uid);
    expect(await entry('score-v1')).toBeNull();
  });

  it('serialized: deleting the holder releases its reservation, and the waiter takes it and runs', async () => {
    const { writer } = await start();
    const { first, second, secondObject } = await holderAndWaiter('rank-v1');

    await client().delete(taskActions, env.namespace, first.metadata.name);
    await vi.waitFor(
      async () => expect(await read(client(), env.namespace, first.metadata.name)).toBeNull(),
      patience,
    );
    expect(writer.of(first.metadata.name).at(-1)?.event.phase).toBe('Aborted');
    await waitForPhase(client(), env.namespace, second.metadata.name, 'Executing');
    expect(
      await jobsOf(client(), fixture.executionNamespace, `${second.metadata.name}-0`),
    ).toHaveLength(1);
    await heldAfterRelease('rank-v1', secondObject.metadata?.uid);
  });

  it("two namespaces with the same key share no entry: the other namespace's action misses, runs and populates its own", async () => {
    await start();
    const first = taskAction({ cacheKey: 'shared-v1' });
    await apply(client(), env.namespace, first);
    await waitForPhase(client(), env.namespace, first.metadata.name, 'Executing');
    await finishPod(client(), fixture.executionNamespace, `${first.metadata.name}-0`, 0);
    await waitForPhase(client(), env.namespace, first.metadata.name, 'Completed');
    expect((await entry('shared-v1'))?.metadata?.labels?.[cacheNamespaceLabel]).toBe(env.namespace);
    await fixture.stop();

    const other = await env.controlPlane.createNamespace('ta-cache-other');
    await start({ watchNamespace: other });
    const second = taskAction({ cacheKey: 'shared-v1' });
    await apply(client(), other, second);
    const running = await waitForPhase(client(), other, second.metadata.name, 'Executing');
    expect(running.status.cacheStatus).toBe('CACHE_MISS');
    await finishPod(client(), fixture.executionNamespace, `${second.metadata.name}-0`, 0);
    const done = await waitForPhase(client(), other, second.metadata.name, 'Completed');
    expect(done.status.cacheStatus).toBe('CACHE_POPULATED');
    expect((await entry('shared-v1', other))?.data).toMatchObject({
      namespace: other,
      outputUri: `s3://bucket/run1/${second.spec.actionName}/1/outputs.pb`,
    });
    expect((await entry('shared-v1'))?.data).toMatchObject({
      namespace: env.namespace,
      outputUri: `s3://bucket/run1/${first.spec.actionName}/1/outputs.pb`,
    });
  });

  it('a tenant with every ConfigMap right in its namespace cannot make a hit for its actions', async () => {
    // The tenant may do anything to ConfigMaps and Leases in its own namespace, as an author
    // who administers it may.
    const tenant = 'ta-cache-tenant';
    await grantRole(client(), env.namespace, {
      user: tenant,
      name: tenant,
      rules: [
        {
          apiGroups: ['', 'coordination.k8s.io'],
          resources: ['configmaps', 'leases'],
          verbs: ['*'],
        },
      ],
    });
    const tenantClient = new KubeClient(await env.userKubeConfig(tenant));
    try {
      // Forged entries where the tenant may write, its own namespace: one under the name the
      // cache reads, naming this namespace's action; one as the cache wrote them when it lived
      // in the action's namespace (named by project, domain and key, no namespace in its data).
      const identity = cacheIdentity(env.namespace, 'forged-v1');
      const forged = cacheEntryConfigMap(env.namespace, identity, 's3://attacker/outputs.pb', {
        name: 'forged',
      });
      const { namespace: _, ...earlierData } = forged.data;
      const earlierName = `taskaction-cache-${createHash('sha256')
        .update(JSON.stringify([identity.project, identity.domain, identity.cacheKey]))
        .digest('hex')}`;
      const earlier = {
        ...forged,
        metadata: { ...forged.metadata, name: earlierName },
        data: earlierData,
      };
      await vi.waitFor(
        () => tenantClient.create(resources.configMaps, env.namespace, forged),
        patience,
      );
      await tenantClient.create(resources.configMaps, env.namespace, earlier);
      // Where the cache lives, the tenant may write nothing.
      await expect(
        tenantClient.create(resources.configMaps, fixture.executionNamespace, forged),
      ).rejects.toMatchObject({ statusCode: 403 });
    } finally {
      await tenantClient.close();
    }

    await start();
    const action = taskAction({ cacheKey: 'forged-v1' });
    await apply(client(), env.namespace, action);
    const running = await waitForPhase(client(), env.namespace, action.metadata.name, 'Executing');
    expect(running.status.cacheStatus).toBe('CACHE_MISS');
    expect(
      await jobsOf(client(), fixture.executionNamespace, `${action.metadata.name}-0`),
    ).toHaveLength(1);
  });
});
