import { noopLogger } from '@roundhouse/core';
import {
  type Created,
  KubeClient,
  type KubeObject,
  type RequestOptions,
  type ResourceType,
  resources,
} from '@roundhouse/kube';
import { PodExecutor, taskRuns } from '@roundhouse/pod';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import { ensureTaskRunCrds } from '../src/install.js';
import { TaskRunReconciler } from '../src/reconciler.js';
import {
  createTask,
  createTaskRun,
  patience,
  podsOwnedBy,
  step,
  type TaskRunObject,
} from './harness.js';

/**
 * A client whose first Pod is deleted before its create answers, as a user, a drain or an
 * eviction could delete it between the create and anything the controller does next: before
 * any status or cached copy of the run names it.
 */
class DeletingFirstPodClient extends KubeClient {
  readonly podsCreated: string[] = [];

  override async create<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    body: T,
    options?: RequestOptions,
  ): Promise<Created<T>> {
    const created = await super.create(type, namespace, body, options);
    if (type.plural !== 'pods') return created;
    const name = created.object.metadata?.name as string;
    this.podsCreated.push(name);
    if (this.podsCreated.length === 1) await this.delete(resources.pods, namespace, name);
    return created;
  }
}

describeWithControlPlane('a TaskRun whose Pod is deleted before its status names it', () => {
  const env = useTestNamespace({ prefix: 'taskrun-unseen' });

  it('fails PodDeleted naming that Pod, and never creates a second Pod for it', async () => {
    const client = new DeletingFirstPodClient(env.kubeConfig);
    await ensureTaskRunCrds(client);
    // A reconciler as `createTaskRunController` makes one, reading live: what a cache would
    // show a moment later, without the race of its watch.
    const reconciler = new TaskRunReconciler({
      client,
      reader: client,
      runs: { observe: () => {} },
      podCached: () => false,
      executor: new PodExecutor(client, {
        serviceAccountName: 'default',
        allowedImages: ['registry.invalid/*'],
        ownerReference: true,
      }),
    });
    await createTask(client, env.namespace, 'once', { steps: [step('only')] });
    const run = await createTaskRun(client, env.namespace, 'deleted-early', {
      taskRef: { name: 'once' },
    });
    const reconcile = () =>
      reconciler.reconcile(`${env.namespace}/deleted-early`, {
        signal: new AbortController().signal,
        logger: noopLogger,
        attempt: 0,
      });
    await reconcile();
    // Woken again (the Pod's delete event, a resync): the run is not started again.
    await reconcile();
    const [first] = client.podsCreated;
    const after = await client.get<TaskRunObject>(taskRuns, env.namespace, 'deleted-early');
    expect(after?.status).toMatchObject({
      phase: 'Failed',
      reason: 'PodDeleted',
      message: `pod ${first} was deleted before it finished`,
      podName: first,
    });
    expect(client.podsCreated).toEqual([first]);
    await vi.waitFor(
      async () => expect(await podsOwnedBy(client, env.namespace, run)).toEqual([]),
      patience,
    );
  });
});
