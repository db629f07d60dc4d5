import { executionResourceName, noopLogger } from '@roundhouse/core';
import {
  type Created,
  KubeClient,
  type KubeObject,
  KubernetesApiError,
  type PatchOptions,
  type Reader,
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
  startController,
  step,
  type TaskRunObject,
  waitForRun,
} from './harness.js';

/** A client that may fail a status write before it is sent, as a lost or refused one would. */
abstract class StatusWriteInjectingClient extends KubeClient {
  /** Throws to fail the status write of the object `name`. */
  protected abstract beforeStatusWrite(name: string): void;

  // A status write is a merge patch, or a replace when the status holds a null.
  override async patch<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options?: PatchOptions,
  ): Promise<T> {
    if (options?.subresource === 'status') this.beforeStatusWrite(name);
    return super.patch(type, namespace, name, patch, options);
  }

  override async replace<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: T,
    options?: RequestOptions & { subresource?: 'status' },
  ): Promise<T> {
    if (options?.subresource === 'status') this.beforeStatusWrite(name);
    return super.replace(type, namespace, name, body, options);
  }
}

/** A client whose first status write after it created a Pod fails, as a lost response would. */
class FailingStatusWriteClient extends StatusWriteInjectingClient {
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

  protected override beforeStatusWrite(): void {
    if (!this.#armed) return;
    this.#armed = false;
    this.failures += 1;
    throw new KubernetesApiError('Unavailable', 'injected: the status write was lost', 503);
  }
}

/** A client whose status writes for the runs named in `refusing` fail, counted per run. */
class RefusingStatusWriteClient extends StatusWriteInjectingClient {
  readonly refusing = new Set<string>();
  readonly refused = new Map<string, number>();

  protected override beforeStatusWrite(name: string): void {
    if (!this.refusing.has(name)) return;
    this.refused.set(name, (this.refused.get(name) ?? 0) + 1);
    throw new KubernetesApiError('Unavailable', 'injected: the status write was refused', 503);
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

  it('adopts the Pod a crashed controller created before it could write any status', async () => {
    const client = new KubeClient(env.kubeConfig);
    // The run exists before any controller does, so the CRDs are installed here.
    await ensureTaskRunCrds(client);
    await createTask(client, env.namespace, 'crash-task', { steps: [step('only')] });
    const run = await createTaskRun(client, env.namespace, 'crashed', {
      taskRef: { name: 'crash-task' },
    });
    const refusing = new RefusingStatusWriteClient(env.kubeConfig);
    refusing.refusing.add('crashed');
    const first = await startController({
      kubeConfig: env.kubeConfig,
      namespace: env.namespace,
      client: refusing,
    });
    let pods: KubeObject[] = [];
    try {
      await vi.waitFor(async () => {
        pods = await podsOwnedBy(client, env.namespace, run);
        expect(pods).toHaveLength(1);
        expect(refusing.refused.get('crashed')).toBeGreaterThan(0);
      }, patience);
    } finally {
      await first.stop();
    }
    const stalled = await client.get<TaskRunObject>(taskRuns, env.namespace, 'crashed');
    expect(stalled?.status).toBeUndefined();

    const second = await startController({ kubeConfig: env.kubeConfig, namespace: env.namespace });
    try {
      const status = await waitForRun(client, env.namespace, 'crashed', (s) =>
        expect(s.phase).toBe('Running'),
      );
      expect(status.podName).toBe(pods[0]?.metadata?.name);
      const after = await podsOwnedBy(client, env.namespace, run);
      expect(after.map((p) => p.metadata?.uid)).toEqual([pods[0]?.metadata?.uid]);
    } finally {
      await second.stop();
    }
  });

  it('retries a run whose status writes keep failing with backoff, holding up no other run', async () => {
    const client = new RefusingStatusWriteClient(env.kubeConfig);
    client.refusing.add('refused');
    const controller = await startController({
      kubeConfig: env.kubeConfig,
      namespace: env.namespace,
      client,
    });
    try {
      await createTask(client, env.namespace, 'two-runs', { steps: [step('only')] });
      await createTaskRun(client, env.namespace, 'refused', { taskRef: { name: 'two-runs' } });
      await vi.waitFor(() => expect(client.refused.get('refused')).toBeGreaterThan(0), patience);
      await createTaskRun(client, env.namespace, 'unhindered', {
        taskRef: { name: 'two-runs' },
      });
      await waitForRun(client, env.namespace, 'unhindered', (s) => expect(s.phase).toBe('Running'));
      // Per-key backoff doubles from 5 ms: a few retries a second at first, fewer later, never a
      // tight loop against the API server.
      const before = client.refused.get('refused') ?? 0;
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect((client.refused.get('refused') ?? 0) - before).toBeLessThanOrEqual(12);
      client.refusing.delete('refused');
      const status = await waitForRun(client, env.namespace, 'refused', (s) =>
        expect(s.phase).toBe('Running'),
      );
      expect(status.podName).toBeDefined();
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
        startTime: expect.any(String),
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

  it('says a Pod holding its name that no earlier run made will not go away, and starts once it is deleted', async () => {
    const client = new KubeClient(env.kubeConfig);
    const controller = await startController({
      kubeConfig: env.kubeConfig,
      namespace: env.namespace,
    });
    try {
      await createTask(client, env.namespace, 'squatted-task', { steps: [step('only')] });
      // Someone who may create Pods takes the name the run's Pod will have.
      const podName = executionResourceName(`${env.namespace}/taskrun/squatted`);
      await client.create(resources.pods, env.namespace, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: podName },
        spec: { containers: [{ name: 'c', image: 'registry.invalid/squat:1' }] },
      } as KubeObject);
      const run = await createTaskRun(client, env.namespace, 'squatted', {
        taskRef: { name: 'squatted-task' },
      });
      const waiting = await waitForRun(client, env.namespace, 'squatted', (s) =>
        expect(s.reason).toBe('ResourceLocked'),
      );
      expect(waiting).toEqual({
        phase: 'Pending',
        startTime: expect.any(String),
        reason: 'ResourceLocked',
        message: `pod ${podName} has the name this run's Pod needs and is no earlier TaskRun ${env.namespace}/squatted's, so nothing will remove it; this run creates its own once it is deleted`,
      });
      await client.delete(resources.pods, env.namespace, podName);
      const started = await waitForRun(client, env.namespace, 'squatted', (s) =>
        expect(s.podName).toBe(podName),
      );
      expect(started.phase).not.toBe('Failed');
      const pods = await podsOwnedBy(client, env.namespace, run);
      expect(pods.map((p) => p.metadata?.name)).toEqual([podName]);
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
