import {
  type Created,
  KubeClient,
  type KubeObject,
  KubernetesApiError,
  type RequestOptions,
  type ResourceType,
} from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { expect, it } from 'vitest';
import {
  createTask,
  createTaskRun,
  podsOwnedBy,
  startController,
  step,
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

  override async replace<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: T,
    options?: RequestOptions & { subresource?: 'status' },
  ): Promise<T> {
    if (this.#armed && options?.subresource === 'status') {
      this.#armed = false;
      this.failures += 1;
      throw new KubernetesApiError('Unavailable', 'injected: the status write was lost', 503);
    }
    return super.replace(type, namespace, name, body, options);
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
});
