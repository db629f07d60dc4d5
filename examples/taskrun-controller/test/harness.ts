import type { KubeConfig } from '@kubernetes/client-node';
import { InformerCache } from '@roundhouse/controller';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import type { StepStatus, TaskRunStatus } from '@roundhouse/pod';
import { taskRuns, tasks } from '@roundhouse/pod';
import { expect, vi } from 'vitest';
import { createTaskRunController } from '../src/controller.js';
import { ensureTaskRunCrds } from '../src/install.js';

export const patience = { timeout: 90_000, interval: 200 };

export interface StartOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** The client the controller writes with (one that fails on demand). */
  readonly client?: KubeClient;
  readonly missingTask?: 'fail' | 'wait';
}

/** Starts the controller as a deployment would, watching one namespace. */
export async function startController(options: StartOptions) {
  const client = options.client ?? new KubeClient(options.kubeConfig);
  await ensureTaskRunCrds(client);
  const cache = new InformerCache(options.kubeConfig, { client });
  const { controller } = createTaskRunController({
    kubeConfig: options.kubeConfig,
    client,
    cache,
    watchNamespace: options.namespace,
    pod: { allowedImages: ['registry.invalid/*'] },
    ...(options.missingTask ? { missingTask: options.missingTask } : {}),
  });
  const abort = new AbortController();
  const running = controller.start(abort.signal);
  await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
  return {
    async stop() {
      abort.abort();
      await running;
    },
  };
}

export const step = (name: string, script = `echo ${name}`) => ({
  name,
  image: `registry.invalid/${name}:1`,
  script,
});

export async function createTask(
  client: KubeClient,
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
) {
  await client.create(tasks, namespace, {
    apiVersion: 'roundhouse.dev/v1alpha1',
    kind: 'Task',
    metadata: { name },
    spec,
  });
}

export async function createTaskRun(
  client: KubeClient,
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
) {
  return (
    await client.create<KubeObject>(taskRuns, namespace, {
      apiVersion: 'roundhouse.dev/v1alpha1',
      kind: 'TaskRun',
      metadata: { name },
      spec,
    })
  ).object;
}

export type TaskRunObject = KubeObject & { status?: TaskRunStatus };

/** Waits until the run's status satisfies `check` (an expect that throws until it does). */
export async function waitForRun(
  client: KubeClient,
  namespace: string,
  name: string,
  check: (status: TaskRunStatus) => void,
): Promise<TaskRunStatus> {
  return vi.waitFor(async () => {
    const run = await client.get<TaskRunObject>(taskRuns, namespace, name);
    check(run?.status ?? {});
    return run?.status as TaskRunStatus;
  }, patience);
}

/** Waits until the run has failed, and returns its status. */
export function waitForFailure(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<TaskRunStatus> {
  return waitForRun(client, namespace, name, (s) => expect(s.phase).toBe('Failed'));
}

export const stepStates = (status: TaskRunStatus) =>
  (status.stepStatuses ?? []).map((s: StepStatus) => [s.name, s.state, s.exitCode]);

interface PodContainer {
  name: string;
  image: string;
  command: string[];
}

export type PodObject = KubeObject & {
  spec: {
    initContainers?: PodContainer[];
    containers: PodContainer[];
    restartPolicy?: string;
    automountServiceAccountToken?: boolean;
    activeDeadlineSeconds?: number;
  };
};

export async function podOf(client: KubeClient, namespace: string, status: TaskRunStatus) {
  return client.get<PodObject>(resources.pods, namespace, status.podName as string);
}

/** The Pods of the namespace that belong to a TaskRun (owned by it). */
export async function podsOwnedBy(client: KubeClient, namespace: string, run: KubeObject) {
  const { items } = await client.list<KubeObject>(resources.pods, namespace);
  return items.filter((pod) =>
    (pod.metadata?.ownerReferences ?? []).some((ref) => ref.uid === run.metadata?.uid),
  );
}
