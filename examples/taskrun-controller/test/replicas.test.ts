import { defineConventions, noopLogger, roundhouseConventions } from '@roundhouse/core';
import { KubeClient } from '@roundhouse/kube';
import { PodExecutor, taskRuns } from '@roundhouse/pod';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { expect, it } from 'vitest';
import { ensureTaskRunCrds } from '../src/install.js';
import { TaskRunReconciler } from '../src/reconciler.js';
import { createTask, createTaskRun, podsOwnedBy, step, type TaskRunObject } from './harness.js';

/*
 * The window between a run's Pod's create and the first status write naming it: two
 * reconcilers (two replicas without --leader-elect, or a controller and its crashed
 * predecessor's create) that both see a run with no Pod in its status and none in their cache.
 * The Pod's name is the run's lock, so only one create can succeed; the other finds the run's
 * own Pod and adopts it.
 */
describeWithControlPlane('TaskRun Pods under racing reconciles, on a real control plane', () => {
  const env = useTestNamespace({ prefix: 'taskrun-replicas' });

  /** A reconciler as `createTaskRunController` makes one, reading live and seeing no Pod. */
  const replica = (client: KubeClient) =>
    new TaskRunReconciler({
      client,
      reader: client,
      runs: { observe: () => {} },
      podCached: () => false,
      executor: new PodExecutor(client, {
        serviceAccountName: 'default',
        allowedImages: ['registry.invalid/*'],
        conventions: defineConventions({ ownerNoun: 'TaskRun' }, roundhouseConventions),
        ownerReference: true,
      }),
    });

  it('creates one Pod per run however many reconciles race before its status names it', async () => {
    const client = new KubeClient(env.kubeConfig);
    await ensureTaskRunCrds(client);
    await createTask(client, env.namespace, 'raced', { steps: [step('only')] });
    const names = Array.from({ length: 8 }, (_, i) => `raced-${i}`);
    const runs = await Promise.all(
      names.map((name) =>
        createTaskRun(client, env.namespace, name, { taskRef: { name: 'raced' } }),
      ),
    );
    const replicas = [replica(client), replica(new KubeClient(env.kubeConfig))];
    const round = () =>
      Promise.all(
        names.flatMap((name) =>
          replicas.map((r) =>
            r.reconcile(`${env.namespace}/${name}`, {
              signal: new AbortController().signal,
              logger: noopLogger,
              attempt: 0,
            }),
          ),
        ),
      );
    await round();
    const first = await Promise.all(runs.map((run) => podsOwnedBy(client, env.namespace, run)));
    expect(first.map((pods) => pods.length)).toEqual(names.map(() => 1));
    // Again, as after a crash before any status write: each run's Pod is adopted, not doubled.
    await round();
    const again = await Promise.all(runs.map((run) => podsOwnedBy(client, env.namespace, run)));
    expect(again.map((pods) => pods.map((p) => p.metadata?.uid))).toEqual(
      first.map((pods) => pods.map((p) => p.metadata?.uid)),
    );
    // No reconcile took its run's own Pod for another's: none was held (ResourceLocked), and
    // each run's status names its one Pod, written as soon as it was created or adopted.
    const after = await Promise.all(
      names.map((name) => client.get<TaskRunObject>(taskRuns, env.namespace, name)),
    );
    expect(after.map((run) => run?.status?.podName)).toEqual(
      first.map((pods) => pods[0]?.metadata?.name),
    );
    for (const run of after) expect(run?.status?.reason).not.toBe('ResourceLocked');
  });
});
