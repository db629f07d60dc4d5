import type { KubeConfig } from '@kubernetes/client-node';
import {
  type Dependencies,
  Registry,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { podControls } from '@roundhouse/testenv/vitest';
import {
  createWorkflowExecutionController,
  ensureWorkflowExecutionCrd,
  type WorkflowExecutionObject,
  workflowExecutions,
} from '@roundhouse/workflowexecution';
import { expect, vi } from 'vitest';

export const patience = { timeout: 90_000, interval: 200 };

export interface RunningController {
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly kubeConfig: KubeConfig;
  readonly registry: Registry;
  readonly watchNamespace: string;
  readonly executionNamespace: string;
  readonly cooldownMs?: number;
  readonly lockPolicy?: 'fail' | 'wait';
  readonly resyncMs?: number;
  readonly pollIntervalMs?: { initial: number; max: number };
  /** Who installs the CRD, when the controller's own identity may not (it never needs to). */
  readonly installWith?: KubeConfig;
}

/** Starts the controller as a deployment would, and stops it like SIGTERM does. */
export async function startController(options: StartOptions): Promise<RunningController> {
  const { installWith, ...settings } = options;
  await ensureWorkflowExecutionCrd(new KubeClient(installWith ?? options.kubeConfig));
  const { controller } = await createWorkflowExecutionController({
    conventions: roundhouseConventions,
    workers: 2,
    ...settings,
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

/** A registry with a Job executor whose pods run for `runSeconds` (or exit with `exitCode`). */
export function jobRegistry(
  kubeConfig: KubeConfig,
  pod: { runSeconds?: number; exitCode?: number } = {},
) {
  const annotations: Record<string, string> = {};
  if (pod.runSeconds !== undefined) annotations[podControls.runSeconds] = String(pod.runSeconds);
  if (pod.exitCode !== undefined) annotations[podControls.exitCode] = String(pod.exitCode);
  return new Registry().register(
    new JobExecutor(new KubeClient(kubeConfig), { podAnnotations: annotations }),
  );
}

let sequence = 0;

/** A WorkflowExecution manifest on a fresh target unless one is given. */
export function manifest(
  overrides: {
    name?: string;
    engine?: string;
    target?: string;
    parameters?: Record<string, string>;
    engineConfig?: unknown;
    dependencies?: Dependencies;
    timeout?: string;
  } = {},
): WorkflowExecutionObject {
  sequence += 1;
  return {
    apiVersion: 'roundhouse.dev/v1alpha1',
    kind: 'WorkflowExecution',
    metadata: { name: overrides.name ?? `wfe-${sequence}` },
    spec: {
      workflowRef: {
        workflowId: 'restart-app',
        version: '1',
        executionBundle: 'registry.invalid/restart:1',
        ...(overrides.engineConfig !== undefined
          ? { engineConfig: overrides.engineConfig as never }
          : {}),
      },
      targetResource: overrides.target ?? `prod/deployment/app-${sequence}`,
      executionEngine: overrides.engine ?? 'job',
      ...(overrides.parameters ? { parameters: overrides.parameters } : {}),
      ...(overrides.dependencies ? { dependencies: overrides.dependencies } : {}),
      ...(overrides.timeout ? { executionConfig: { timeout: overrides.timeout } } : {}),
    },
  };
}

export async function apply(
  client: KubeClient,
  namespace: string,
  object: WorkflowExecutionObject,
) {
  const { object: created } = await client.create(workflowExecutions, namespace, object);
  return created as WorkflowExecutionObject & { metadata: { name: string } };
}

export async function read(client: KubeClient, namespace: string, name: string) {
  return (await client.get<WorkflowExecutionObject>(workflowExecutions, namespace, name)) as
    | (WorkflowExecutionObject & WorkflowExecution)
    | null;
}

/** Waits until the execution reaches `phase` and returns it. */
export async function waitForPhase(
  client: KubeClient,
  namespace: string,
  name: string,
  phase: string,
) {
  return vi.waitFor(async () => {
    const wfe = await read(client, namespace, name);
    expect(wfe?.status?.phase).toBe(phase);
    return wfe as WorkflowExecution;
  }, patience);
}

export async function jobsOf(client: KubeClient, executionNamespace: string, wfeName: string) {
  const { items } = await client.list<KubeObject>(resources.jobs, executionNamespace, {
    labelSelector: `roundhouse.dev/workflow-execution=${wfeName}`,
  });
  return items;
}
