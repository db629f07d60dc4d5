import { phaseOf } from '@roundhouse/controller';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import { cacheEntryConfigMap, cacheObjectName } from '../src/cache.js';
import { taskActions } from '../src/resource.js';
import {
  apply,
  cacheIdentity,
  cacheResyncMs,
  finishPod,
  jobsOf,
  patience,
  read,
  readCacheLease,
  serializedTaskAction,
  taskAction,
  useController,
  waitForPhase,
} from './harness.js';

/**
 * A controller killed between two of its writes, then started again: the state it left is made
 * here (a write done, the next not), and the new controller must end each action as an
 * uninterrupted one would.
 */
describeWithControlPlane('TaskAction controller: restarts between writes', () => {
  const fixture = useController('ta-crash', { resyncMs: cacheResyncMs });
  const { env, client, start, stop } = fixture;

  const identity = (cacheKey: string) => cacheIdentity(env.namespace, cacheKey);
  const lease = (cacheKey: string) =>
    readCacheLease(client(), fixture.executionNamespace, env.namespace, cacheKey);

  /**
   * Starts a controller that dies right after its first Job create reached the API server: every
   * Job create of it "crashes" from then on, so it never writes the status that would follow.
   */
  const startDyingAfterFirstJob = async () => {
    const dying = new KubeClient(env.kubeConfig);
    let created = 0;
    const realCreate = dying.create.bind(dying);
    vi.spyOn(dying, 'create').mockImplementation(async (type, namespace, body, options) => {
      if (type.kind === 'Job' && created++ === 0) await realCreate(type, namespace, body, options);
      if (type.kind === 'Job') throw new Error('controller killed');
      return realCreate(type, namespace, body, options);
    });
    await start({ executorClient: dying });
  };

  /** Creates the action and waits for the one Job of its first attempt. */
  const applyUntilFirstJob = async (manifest: ReturnType<typeof taskAction>) => {
    const object = await apply(client(), env.namespace, manifest);
    const [job] = await vi.waitFor(async () => {
      const jobs = await jobsOf(
        client(),
        fixture.executionNamespace,
        `${manifest.metadata.name}-0`,
      );
      expect(jobs).toHaveLength(1);
      return jobs;
    }, patience);
    return { object, job };
  };

  it('reservation taken and Job created, status not written: the next controller adopts that Job', async () => {
    await startDyingAfterFirstJob();
    const manifest = serializedTaskAction('crash-create-v1');
    const name = manifest.metadata.name;
    const { object, job } = await applyUntilFirstJob(manifest);
    await stop();
    const left = await read(client(), env.namespace, name);
    expect(left?.status).toMatchObject({ attempts: 1 });
    expect(left?.status.phaseHistory?.map((h) => h.phase)).toEqual(['Queued']);
    expect((await lease('crash-create-v1'))?.spec?.holderIdentity).toBe(object.metadata?.uid);

    const { writer } = await start();
    await waitForPhase(client(), env.namespace, name, 'Executing');
    const jobs = await jobsOf(client(), fixture.executionNamespace, `${name}-0`);
    expect(jobs.map((j) => j.metadata?.uid)).toEqual([job?.metadata?.uid]);
    expect((await lease('crash-create-v1'))?.spec?.holderIdentity).toBe(object.metadata?.uid);
    await finishPod(client(), fixture.executionNamespace, `${name}-0`, 0);
    const done = await waitForPhase(client(), env.namespace, name, 'Completed');
    expect(done.status).toMatchObject({ attempts: 1, cacheStatus: 'CACHE_POPULATED' });
    expect(writer.of(name).map((r) => r.event.phase)).toEqual([
      'Initializing',
      'Executing',
      'Completed',
    ]);
    await vi.waitFor(async () => expect(await lease('crash-create-v1')).toBeNull(), patience);
  });

  it('Job created, status not written, and the key populated meanwhile: the next controller runs that Job on, not a hit', async () => {
    await startDyingAfterFirstJob();
    const manifest = taskAction({ cacheKey: 'crash-launched-v1' });
    const name = manifest.metadata.name;
    const { object, job } = await applyUntilFirstJob(manifest);
    await stop();
    // While no controller runs, another action with the key succeeds and populates it.
    const entry = cacheEntryConfigMap(
      fixture.executionNamespace,
      identity('crash-launched-v1'),
      's3://bucket/run1/other/1/outputs.pb',
      { name: 'run1-other' },
    );
    const written = await client().create(resources.configMaps, fixture.executionNamespace, entry);

    const { writer } = await start();
    await waitForPhase(client(), env.namespace, name, 'Executing');
    const jobs = await jobsOf(client(), fixture.executionNamespace, `${name}-0`);
    expect(jobs.map((j) => j.metadata?.uid)).toEqual([job?.metadata?.uid]);
    await finishPod(client(), fixture.executionNamespace, `${name}-0`, 0);
    const done = await waitForPhase(client(), env.namespace, name, 'Completed');
    expect(done.metadata?.uid).toBe(object.metadata?.uid);
    expect(done.status).toMatchObject({ attempts: 1, cacheStatus: 'CACHE_POPULATED' });
    expect(writer.of(name).map((r) => r.event.phase)).toEqual([
      'Initializing',
      'Executing',
      'Completed',
    ]);
    // The entry there first is kept, as Flyte keeps the first.
    const kept = await client().get<KubeObject>(
      resources.configMaps,
      fixture.executionNamespace,
      cacheObjectName(identity('crash-launched-v1')),
    );
    expect(kept?.metadata?.resourceVersion).toBe(written.object.metadata?.resourceVersion);
  });

  it('Job succeeded and cache entry written, status not: the next controller completes it once', async () => {
    await start();
    const manifest = taskAction({ cacheKey: 'crash-populate-v1' });
    const name = manifest.metadata.name;
    const object = await apply(client(), env.namespace, manifest);
    await waitForPhase(client(), env.namespace, name, 'Executing');
    await stop();
    // While no controller runs, the Job succeeds, and the entry the dead controller had written
    // before its status write is there.
    await finishPod(client(), fixture.executionNamespace, `${name}-0`, 0);
    const outputUri = `s3://bucket/run1/${manifest.spec.actionName}/1/outputs.pb`;
    const entry = cacheEntryConfigMap(
      fixture.executionNamespace,
      identity('crash-populate-v1'),
      outputUri,
      { name, uid: object.metadata?.uid },
    );
    const written = await client().create(resources.configMaps, fixture.executionNamespace, entry);

    const { writer } = await start();
    const done = await waitForPhase(client(), env.namespace, name, 'Completed');
    expect(done.status).toMatchObject({ attempts: 1, cacheStatus: 'CACHE_POPULATED' });
    expect(writer.of(name).map((r) => r.event)).toMatchObject([
      { phase: 'Completed', outputs: { outputUri } },
    ]);
    const kept = await client().get<KubeObject>(
      resources.configMaps,
      fixture.executionNamespace,
      cacheObjectName(identity('crash-populate-v1')),
    );
    expect(kept?.metadata?.resourceVersion).toBe(written.object.metadata?.resourceVersion);
    // Its Job, kept for lack of a TTL, goes with the action's end.
    await vi.waitFor(
      async () =>
        expect(await jobsOf(client(), fixture.executionNamespace, `${name}-0`)).toEqual([]),
      patience,
    );
  });

  it('Job created, status not written, Job finished while no controller ran: kept (no TTL), adopted, not run again, deleted once Completed', async () => {
    await startDyingAfterFirstJob();
    const manifest = taskAction();
    const name = manifest.metadata.name;
    const { job } = await applyUntilFirstJob(manifest);
    await stop();
    // A TTL would let the API server delete the finished Job during a long enough outage, and
    // the next controller, finding no Job for a Queued attempt, would run it again.
    expect((job as KubeObject & { spec?: object }).spec).not.toHaveProperty(
      'ttlSecondsAfterFinished',
    );
    await finishPod(client(), fixture.executionNamespace, `${name}-0`, 0);

    const { writer } = await start();
    const done = await waitForPhase(client(), env.namespace, name, 'Completed');
    expect(done.status).toMatchObject({ attempts: 1 });
    const phases = writer.of(name).map((r) => r.event.phase);
    expect(phases.filter((phase) => phase === 'Initializing')).toHaveLength(1);
    expect(phases.at(-1)).toBe('Completed');
    await vi.waitFor(
      async () =>
        expect(await jobsOf(client(), fixture.executionNamespace, `${name}-0`)).toEqual([]),
      patience,
    );
    // Deleted, not replaced: the one Job there ever was is gone for good.
    expect(
      await client().get(resources.jobs, fixture.executionNamespace, job?.metadata?.name ?? ''),
    ).toBeNull();
  });

  it('a waiter deleted while no controller runs is aborted on restart; the holder keeps its reservation', async () => {
    await start();
    const holder = serializedTaskAction('crash-wait-v1');
    const holderObject = await apply(client(), env.namespace, holder);
    await waitForPhase(client(), env.namespace, holder.metadata.name, 'Executing');
    const waiter = serializedTaskAction('crash-wait-v1');
    await apply(client(), env.namespace, waiter);
    await vi.waitFor(async () => {
      const action = await read(client(), env.namespace, waiter.metadata.name);
      expect(action?.status.cacheStatus).toBe('CACHE_MISS');
    }, patience);
    await stop();
    await client().delete(taskActions, env.namespace, waiter.metadata.name);

    const { writer } = await start();
    await vi.waitFor(
      async () => expect(await read(client(), env.namespace, waiter.metadata.name)).toBeNull(),
      patience,
    );
    expect(writer.of(waiter.metadata.name).map((r) => r.event.phase)).toEqual(['Aborted']);
    expect(await jobsOf(client(), fixture.executionNamespace, `${waiter.metadata.name}-0`)).toEqual(
      [],
    );
    expect((await lease('crash-wait-v1'))?.spec?.holderIdentity).toBe(holderObject.metadata?.uid);
    const still = await read(client(), env.namespace, holder.metadata.name);
    expect(still && phaseOf(still.status)).toBe('Executing');
  });
});
