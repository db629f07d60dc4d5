import { TtlGarbageCollector, terminalLabels } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import { isFinishedAction } from '../src/abort.js';
import { abortFinalizer, gcLabels, taskActions } from '../src/resource.js';
import { requeueBoundedRateLimiter } from '../src/retry-limiter.js';
import {
  apply,
  finishPod,
  jobsOf,
  patience,
  read,
  taskAction,
  useController,
  waitForPhase,
} from './harness.js';

const hour = 3_600_000;

describeWithControlPlane('TaskAction controller: deletion and garbage collection', () => {
  const fixture = useController('ta-delete');
  const { env, client, start } = fixture;

  const gone = (name: string) =>
    vi.waitFor(async () => expect(await read(client(), env.namespace, name)).toBeNull(), patience);

  /** The attempt's Jobs that are not on their way out. */
  const liveJobs = async (attemptName: string) =>
    (await jobsOf(client(), fixture.executionNamespace, attemptName)).filter(
      (job) => !job.metadata?.deletionTimestamp,
    );

  it('deleting the root aborts its execution and removes its children, each with an Aborted event', async () => {
    const { writer } = await start();
    const root = taskAction({ runName: 'tree' });
    const child = taskAction({ runName: 'tree', parentActionName: root.spec.actionName });
    await apply(client(), env.namespace, root);
    await apply(client(), env.namespace, child);
    const names = [root.metadata.name, child.metadata.name];
    for (const name of names) await waitForPhase(client(), env.namespace, name, 'Executing');
    const owned = await read(client(), env.namespace, child.metadata.name);
    expect(owned?.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'TaskAction', name: root.metadata.name }),
    ]);

    await client().delete(taskActions, env.namespace, root.metadata.name, {
      propagationPolicy: 'Background',
    });
    for (const name of names) await gone(name);
    for (const name of names) expect(await liveJobs(`${name}-0`)).toEqual([]);
    for (const name of names) {
      expect(writer.of(name).at(-1)?.event).toMatchObject({ phase: 'Aborted', attempt: 1 });
    }
  });

  it('deleting the root keeps the outcome of a child that had finished: no Aborted event for it', async () => {
    const { writer } = await start();
    const root = taskAction({ runName: 'kept' });
    const child = taskAction({ runName: 'kept', parentActionName: root.spec.actionName });
    await apply(client(), env.namespace, root);
    await apply(client(), env.namespace, child);
    await waitForPhase(client(), env.namespace, child.metadata.name, 'Executing');
    await finishPod(client(), fixture.executionNamespace, `${child.metadata.name}-0`, 0);
    await waitForPhase(client(), env.namespace, child.metadata.name, 'Completed');
    await waitForPhase(client(), env.namespace, root.metadata.name, 'Executing');

    await client().delete(taskActions, env.namespace, root.metadata.name, {
      propagationPolicy: 'Background',
    });
    for (const name of [root.metadata.name, child.metadata.name]) await gone(name);
    expect(writer.of(root.metadata.name).at(-1)?.event.phase).toBe('Aborted');
    expect(writer.of(child.metadata.name).map((r) => r.event.phase)).toEqual([
      'Queued',
      'Initializing',
      'Executing',
      'Completed',
    ]);
  });

  it('keeps the finalizer while the Aborted event fails, retrying within each requeue period', async () => {
    const requeueMs = 500;
    const { writer } = await start({ resyncMs: requeueMs });
    const manifest = taskAction();
    const name = manifest.metadata.name;
    await apply(client(), env.namespace, manifest);
    await waitForPhase(client(), env.namespace, name, 'Executing');
    writer.failing = true;
    await client().delete(taskActions, env.namespace, name);
    await vi.waitFor(() => expect(writer.failures).toBeGreaterThan(0), patience);
    // Long enough for a doubling backoff to outgrow the requeue period many times over.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const held = await read(client(), env.namespace, name);
    expect(held?.metadata.deletionTimestamp).toBeDefined();
    expect(held?.metadata.finalizers).toContain(abortFinalizer);

    // However long the sink has been failing, the abort is tried again within a requeue period.
    const tries = writer.failures;
    await vi.waitFor(() => expect(writer.failures).toBeGreaterThan(tries), {
      timeout: 4 * requeueMs,
      interval: 20,
    });
    // The retry above proves the requeue period; how soon the delete then lands is the API
    // server's and the loaded machine's business.
    writer.failing = false;
    await vi.waitFor(
      async () => expect(await read(client(), env.namespace, name)).toBeNull(),
      patience,
    );
    expect(writer.of(name).map((r) => r.event.phase)).toEqual([
      'Queued',
      'Initializing',
      'Executing',
      'Aborted',
    ]);
    expect(await liveJobs(`${name}-0`)).toEqual([]);
  });

  it('starts a child created before its parent as soon as the parent arrives', async () => {
    const root = taskAction({ runName: 'late' });
    const child = taskAction({ runName: 'late', parentActionName: root.spec.actionName });
    const childKey = `${env.namespace}/${child.metadata.name}`;
    // The child's retry waits an hour, longer than the test: only the parent's arrival can
    // start it. Every other key keeps the controller's backoff.
    const backoff = requeueBoundedRateLimiter(10_000);
    const heldBack: string[] = [];
    await start({
      rateLimiter: {
        when(key) {
          if (key !== childKey) return backoff.when(key);
          heldBack.push(key);
          return hour;
        },
        forget: (key) => backoff.forget(key),
        retries: (key) => backoff.retries(key),
      },
    });
    await apply(client(), env.namespace, child);
    await vi.waitFor(() => expect(heldBack).toContain(childKey), patience);
    expect((await read(client(), env.namespace, child.metadata.name))?.status.conditions).toBe(
      undefined,
    );
    await apply(client(), env.namespace, root);
    await waitForPhase(client(), env.namespace, child.metadata.name, 'Executing');
    const owned = await read(client(), env.namespace, child.metadata.name);
    expect(owned?.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'TaskAction', name: root.metadata.name }),
    ]);
  });

  it('collects finished actions after their TTL and leaves running ones alone', async () => {
    await start();
    const finished = taskAction();
    // The author labels it finished long ago; only its status can say it is.
    const running = taskAction();
    running.metadata = {
      ...running.metadata,
      labels: terminalLabels(gcLabels, new Date('2000-01-01T00:00:00Z')),
    };
    await apply(client(), env.namespace, finished);
    await apply(client(), env.namespace, running);
    await waitForPhase(client(), env.namespace, finished.metadata.name, 'Executing');
    await finishPod(client(), fixture.executionNamespace, `${finished.metadata.name}-0`, 0);
    await waitForPhase(client(), env.namespace, finished.metadata.name, 'Completed');
    await waitForPhase(client(), env.namespace, running.metadata.name, 'Executing');
    await vi.waitFor(async () => {
      const labelled = await read(client(), env.namespace, finished.metadata.name);
      expect(labelled?.metadata.labels?.[gcLabels.terminated]).toBe('terminated');
    }, patience);

    const collector = (ttlMs: number, now: Date) =>
      new TtlGarbageCollector(client(), taskActions, {
        labels: gcLabels,
        ttlMs,
        intervalMs: hour,
        namespace: env.namespace,
        pageSize: 1,
        isFinished: isFinishedAction,
        now: () => now,
      });
    // Finished a moment ago: an hour's TTL has not passed.
    expect(await collector(hour, new Date()).sweep()).toEqual({ examined: 2, deleted: 0 });
    // Two hours later it has; the running action's labels are not believed.
    const later = new Date(Date.now() + 2 * hour);
    expect(await collector(hour, later).sweep()).toEqual({ examined: 2, deleted: 1 });
    await gone(finished.metadata.name);
    expect(await liveJobs(`${finished.metadata.name}-0`)).toEqual([]);
    expect(await read(client(), env.namespace, running.metadata.name)).not.toBeNull();
  });

  it('with a TTL of zero collects every finished action at once, page by page', async () => {
    await start();
    const invalid = [taskAction({ taskType: 'spark' }), taskAction({ taskType: 'ray' })];
    for (const manifest of invalid) await apply(client(), env.namespace, manifest);
    const labelled = async () =>
      (
        await client().list<KubeObject>(taskActions, env.namespace, {
          labelSelector: `${gcLabels.terminated}=terminated`,
        })
      ).items.map((item) => item.metadata?.name);
    await vi.waitFor(async () => {
      expect(await labelled()).toEqual(expect.arrayContaining(invalid.map((m) => m.metadata.name)));
    }, patience);
    const collector = new TtlGarbageCollector(client(), taskActions, {
      labels: gcLabels,
      ttlMs: 0,
      intervalMs: hour,
      namespace: env.namespace,
      pageSize: 1,
    });
    const { deleted } = await collector.sweep();
    expect(deleted).toBeGreaterThanOrEqual(2);
    for (const manifest of invalid) await gone(manifest.metadata.name);
  });
});
