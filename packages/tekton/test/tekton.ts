import { setTimeout } from 'node:timers/promises';
import {
  kubernautConventions,
  RoundhouseError,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { type KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import type { TektonExecutor } from '@roundhouse/tekton';
import {
  podControls,
  type SimulatedWorkflow,
  type TestNamespace,
} from '@roundhouse/testenv/vitest';
import { expect, vi } from 'vitest';

/**
 * Helpers for tests against real Tekton Pipelines: the workflows they run, pushed as bundles to
 * the plane's registry, and the fake node's side of a task (its pod's outcome).
 */

export const patience = { timeout: 90_000, interval: 250 };

/** Every PipelineRun passes TARGET_RESOURCE and the execution's parameters (REPLICAS here). */
const params = ['TARGET_RESOURCE', 'REPLICAS'];

export const workflows = {
  succeeds: { params, tasks: [{ name: 'build' }, { name: 'deploy', runAfter: ['build'] }] },
  /** Declares the workspaces of a Secret `db` and a ConfigMap `settings` dependency. */
  usesDependencies: {
    params,
    workspaces: ['secret-db', 'configmap-settings'],
    tasks: [{ name: 'apply' }],
  },
  failsInLint: {
    params,
    tasks: [
      { name: 'build' },
      {
        name: 'test',
        runAfter: ['build'],
        steps: [{ name: 'unit' }, { name: 'lint', exitCode: 3 }],
      },
    ],
  },
  /** Its task runs until the test ends its pod (see finishTaskPod). */
  holds: { params, tasks: [{ name: 'work', hold: true }] },
  holdsThenFinally: {
    params,
    tasks: [{ name: 'work', hold: true }],
    finally: [{ name: 'report' }],
  },
  /** Its task and its finally task each run until the test ends their pod. */
  holdsThenHeldFinally: {
    params,
    tasks: [{ name: 'work', hold: true }],
    finally: [{ name: 'report', hold: true }],
  },
  slowThenFinally: {
    params,
    tasks: [
      { name: 'work', steps: [{ name: 'run', runSeconds: 3 }] },
      { name: 'next', runAfter: ['work'] },
    ],
    finally: [{ name: 'report' }],
  },
} satisfies Record<string, SimulatedWorkflow>;

export type Bundles = Record<keyof typeof workflows, string>;

/** Pushes every workflow as `<registry>/tekton-tests/<kebab-name>:v1`; pushing again changes nothing. */
export async function pushWorkflows(env: TestNamespace): Promise<Bundles> {
  const entries = await Promise.all(
    Object.entries(workflows).map(async ([name, workflow]) => {
      const repository = `tekton-tests/${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      const bundle = await env.tekton.pushWorkflow(repository, 'v1', workflow);
      return [name, bundle.reference] as const;
    }),
  );
  return Object.fromEntries(entries) as Bundles;
}

/**
 * What a namespace needs before Tekton runs anything in it: the service accounts the PipelineRuns
 * name (both presets'), and `default`, whose pull secrets the bundles resolver reads.
 */
export async function prepareNamespace(client: KubeClient, namespace: string): Promise<void> {
  for (const conventions of [roundhouseConventions, kubernautConventions]) {
    await client.create(resources.serviceAccounts, namespace, {
      metadata: { name: conventions.defaultServiceAccountName },
    });
  }
  await vi.waitFor(async () => {
    expect(await client.get(resources.serviceAccounts, namespace, 'default')).not.toBeNull();
  }, patience);
}

/** Waits until a task pod of the PipelineRun runs, and ends it with `exitCode` as its steps' code. */
export async function finishTaskPod(
  client: KubeClient,
  namespace: string,
  pipelineRun: string,
  exitCode: number,
): Promise<void> {
  const pod = await runningTaskPod(client, namespace, pipelineRun);
  await client.patch(resources.pods, namespace, pod.metadata?.name as string, {
    metadata: { annotations: { [podControls.exitCode]: String(exitCode) } },
  });
}

/** A running pod of the PipelineRun, of its pipeline task `task` when given. */
export async function runningTaskPod(
  client: KubeClient,
  namespace: string,
  pipelineRun: string,
  task?: string,
): Promise<KubeObject> {
  const ofTask = task ? `,tekton.dev/pipelineTask=${task}` : '';
  return vi.waitFor(async () => {
    const { items } = await client.list<KubeObject & { status?: { phase?: string } }>(
      resources.pods,
      namespace,
      { labelSelector: `tekton.dev/pipelineRun=${pipelineRun}${ofTask}` },
    );
    const running = items.find((p) => p.status?.phase === 'Running');
    expect(running, `a running pod of ${pipelineRun}`).toBeDefined();
    return running as KubeObject;
  }, patience);
}

/** Polls getStatus until Tekton's verdict, which it returns. */
export async function finished(
  executor: TektonExecutor,
  wfe: WorkflowExecution,
  namespace: string,
) {
  return vi.waitFor(async () => {
    const result = await executor.getStatus(wfe, namespace);
    expect(result?.phase).toMatch(/^(Completed|Failed)$/);
    return result as NonNullable<typeof result>;
  }, patience);
}

/**
 * Cleans up as a controller does: a retryable error (a run Tekton keeps writing as it starts,
 * met as Conflicts) is tried again after a pause rather than failing the test.
 */
export async function cleanupAsAController(
  executor: TektonExecutor,
  wfe: WorkflowExecution,
  namespace: string,
): Promise<void> {
  const deadline = Date.now() + patience.timeout;
  for (;;) {
    try {
      await executor.cleanup(wfe, namespace);
      return;
    } catch (error) {
      if (!(error instanceof RoundhouseError && error.retryable) || Date.now() > deadline) {
        throw error;
      }
    }
    await setTimeout(patience.interval);
  }
}
