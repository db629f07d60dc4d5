import { noopLogger } from '@roundhouse/core';
import {
  type Created,
  KubeClient,
  type KubeObject,
  KubernetesApiError,
  type PatchOptions,
  type Reader,
  type RequestOptions,
  type ResourceType,
} from '@roundhouse/kube';
import { PodExecutor, taskRuns } from '@roundhouse/pod';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { expect, it } from 'vitest';
import { TaskRunReconciler } from '../src/reconciler.js';
import {
  createTask,
  createTaskRun,
  podsOwnedBy,
  startController,
  step,
  type TaskRunObject,
  waitForRun,
} from './harness.js';

/** A client whose first status write after it created a Pod fails, as a lost response would. */
class FailingStatusWriteClient extends KubeClient {
  #armed = false;
  failures = 0;

  override async create<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    body: T,
    options?: RequestOptions,
  ): Promise<Created<T>> {
    const created = await super.create(type, namespace, body, options);
    if (type.plural === 'pods') this.#armed = true;
    return created;
  }

  // A status write is a merge patch, or a replace when the status holds a null.
  override async patch<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options?: PatchOptions,
  ): Promise<T> {
    this.#failStatusWrite(options);
    return super.patch(type, namespace, name, patch, options);
  }

  override async replace<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: T,
    options?: RequestOptions & { subresource?: 'status' },
  ): Promise<T> {
    this.#failStatusWrite(options);
    return super.replace(type, namespace, name, body, options);
  }

  #failStatusWrite(options: { subresource?: 'status' } | undefined): void {
    if (this.#armed && options?.subresource === 'status') {
      this.#armed = false;
      this.failures += 1;
      throw new KubernetesApiError('Unavailable', 'injected: the status write was lost', 503);
    }
  }
}

describeWithControlPlane('TaskRun recovery on a real control plane', () => {
  const env = useTestNamespace({ prefix: 'taskrun-recovery' });

  it('never leaves a run without a phase when the status write after its Pod fails', async () => {
    const client = new FailingStatusWriteClient(env.kubeConfig);
    const controller = await startController({
      kubeConfig: env.kubeConfig,
      namespace: env.namespace,
      client,
    });
    try {
      await createTask(client, env.namespace, 'one-step', { steps: [step('only')] });
      const run = await createTaskRun(client, env.namespace, 'flaky', {
        taskRef: { name: 'one-step' },
      });
      const status = await waitForRun(client, env.namespace, 'flaky', (s) => {
        expect(s.phase).toBe('Running');
        expect(s.stepStatuses).toEqual([expect.objectContaining({ name: 'only' })]);
      });
      expect(client.failures).toBe(1);
      const pods = await podsOwnedBy(client, env.namespace, run);
      expect(pods.map((p) => p.metadata?.name)).toEqual([status.podName]);
    } finally {
      await controller.stop();
    }
  });

  it('with missingTask: wait, keeps a run Pending until its Task exists, then runs it', async () => {
    const client = new KubeClient(env.kubeConfig);
    const controller = await startController({
      kubeConfig: env.kubeConfig,
      namespace: env.namespace,
      missingTask: 'wait',
    });
    try {
      const run = await createTaskRun(client, env.namespace, 'early', {
        taskRef: { name: 'arrives-later' },
      });
      const waiting = await waitForRun(client, env.namespace, 'early', (s) =>
        expect(s.reason).toBe('TaskNotFound'),
      );
      expect(waiting).toEqual({
        phase: 'Pending',
        reason: 'TaskNotFound',
        message: `Task ${env.namespace}/arrives-later does not exist; waiting for it to be created`,
      });
      expect(await podsOwnedBy(client, env.namespace, run)).toEqual([]);
      await createTask(client, env.namespace, 'arrives-later', { steps: [step('go')] });
      await waitForRun(client, env.namespace, 'early', (s) => {
        expect(s.phase).toBe('Running');
        expect(s.podName).toBeDefined();
      });
    } finally {
      await controller.stop();
    }
  });

  it('writes nothing onto a new run from a decision about the deleted one the cache still holds', async () => {
    const client = new KubeClient(env.kubeConfig);
    await createTask(client, env.namespace, 'twin-task', { steps: [step('only')] });
    const live = await createTaskRun(client, env.namespace, 'twin', {
      taskRef: { name: 'twin-task' },
    });
    // The predecessor of the same name, deleted, whose Pod the garbage collector took: a lagging
    // cache still hands it out, Running on a Pod that is gone.
    const stale: TaskRunObject = {
      ...live,
      metadata: { ...live.metadata, uid: 'uid-of-the-deleted-run', resourceVersion: '1' },
      status: { phase: 'Running', podName: 'twin-pod-of-the-deleted-run' },
    };
    const reader: Reader = {
      get: async <T extends KubeObject>(
        type: ResourceType,
        namespace: string | undefined,
        name: string,
      ) =>
        (type === taskRuns && name === 'twin'
          ? stale
          : await client.get<T>(type, namespace, name)) as T | null,
      list: (type, namespace, options) => client.list(type, namespace, options),
    };
    const reconciler = new TaskRunReconciler({
      client,
      reader,
      runs: { observe: () => {} },
      podCached: () => true,
      executor: new PodExecutor(client, { serviceAccountName: 'default', reader }),
      startupGraceMs: 15_000,
    });
    await reconciler.reconcile(`${env.namespace}/twin`, {
      signal: new AbortController().signal,
      logger: noopLogger,
      attempt: 0,
    });
    const after = await client.get<TaskRunObject>(taskRuns, env.namespace, 'twin');
    expect(after?.metadata?.uid).toBe(live.metadata?.uid);
    expect(after?.status).toBeUndefined();
  });
});
