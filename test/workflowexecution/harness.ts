import type { KubeConfig } from '@kubernetes/client-node';
import { type ControllerMetrics, InformerCache } from '@roundhouse/controller';
import {
  type Dependencies,
  type Logger,
  parseWorkflowExecution,
  Registry,
  type WorkflowExecution,
  type WorkflowExecutionSpec,
} from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, type KubeObject, type Reader, resources } from '@roundhouse/kube';
import { podControls } from '@roundhouse/testenv/vitest';
import {
  createWorkflowExecutionController,
  type ExecutionPolicyInput,
  ensureWorkflowExecutionCrd,
  type WorkflowExecutionControllerOptions,
  workflowExecutions,
} from '@roundhouse/workflowexecution';
import { expect, vi } from 'vitest';

/*
 * A WorkflowExecution controller started as a deployment starts it, the executions it acts on
 * (manifests, reads, waits, their Jobs, conditions and Events), for every integration file that
 * runs the controller, here and elsewhere in the repository. A file of this folder starts its
 * controllers through useController (controller-fixture.ts); client-intercepts.ts holds the
 * clients whose finalizer writes or Job creates a test steps in.
 */

/** A WorkflowExecution as a user writes it: no status, a spec the API server validates. */
export type Manifest = KubeObject & { metadata: { name: string }; spec: WorkflowExecutionSpec };

export const patience = { timeout: 90_000, interval: 200 };

export interface RunningController {
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly kubeConfig: KubeConfig;
  /** The engines; a function receives the controller's cache to read status through. */
  readonly registry: Registry | ((reader: Reader) => Registry);
  readonly watchNamespace: string;
  readonly executionNamespace: string;
  readonly cooldownMs?: number;
  readonly lockPolicy?: 'fail' | 'wait';
  readonly resyncMs?: number;
  readonly pollIntervalMs?: { initial: number; max: number };
  /** Who installs the CRD, when the controller's own identity may not (it never needs to). */
  readonly installWith?: KubeConfig;
  /** Default: bundles from the tests' registry.invalid only, as an operator would list theirs. */
  readonly policy?: ExecutionPolicyInput;
  readonly defaultTimeoutMs?: number;
  readonly deadlineGraceMs?: number;
  /** The controller's client for status and finalizer writes; default a new one. */
  readonly client?: KubeClient;
  /** The client its informer cache lists and watches with; default a new one. */
  readonly cacheClient?: KubeClient;
  /** Where the controller logs; default nowhere. */
  readonly logger?: Logger;
  /** Where the controller's metrics are registered; default none. */
  readonly metrics?: ControllerMetrics;
  readonly kindDiscovery?: WorkflowExecutionControllerOptions['kindDiscovery'];
  readonly resolveDeclaredParameters?: (
    wfe: WorkflowExecution,
    signal: AbortSignal,
  ) => Promise<readonly string[] | undefined>;
}

/** Starts the controller as a deployment would, and stops it like SIGTERM does. */
export async function startController(options: StartOptions): Promise<RunningController> {
  const { installWith, registry, cacheClient, ...settings } = options;
  await ensureWorkflowExecutionCrd(new KubeClient(installWith ?? options.kubeConfig));
  const cache = new InformerCache(options.kubeConfig, {
    client: cacheClient ?? new KubeClient(options.kubeConfig),
  });
  const { controller } = await createWorkflowExecutionController({
    workers: 2,
    policy: { bundles: ['registry.invalid/*'] },
    ...settings,
    cache,
    registry: typeof registry === 'function' ? registry(cache) : registry,
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

/**
 * A registry with a Job executor whose pods run for `runSeconds` (or exit with `exitCode`),
 * reading status through the controller's cache as a deployed controller does.
 */
export function jobRegistry(
  kubeConfig: KubeConfig,
  pod: { runSeconds?: number; exitCode?: number } = {},
  client: KubeClient = new KubeClient(kubeConfig),
) {
  const annotations: Record<string, string> = {};
  if (pod.runSeconds !== undefined) annotations[podControls.runSeconds] = String(pod.runSeconds);
  if (pod.exitCode !== undefined) annotations[podControls.exitCode] = String(pod.exitCode);
  return (reader: Reader) =>
    new Registry().register(new JobExecutor(client, { podAnnotations: annotations, reader }));
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
    bundle?: string;
    serviceAccountName?: string;
    timeout?: string;
  } = {},
): Manifest {
  sequence += 1;
  return {
    apiVersion: 'roundhouse.dev/v1alpha1',
    kind: 'WorkflowExecution',
    metadata: { name: overrides.name ?? `wfe-${sequence}` },
    spec: {
      workflowRef: {
        workflowId: 'restart-app',
        version: '1',
        executionBundle: overrides.bundle ?? 'registry.invalid/restart:1',
        ...(overrides.engineConfig !== undefined
          ? { engineConfig: overrides.engineConfig as never }
          : {}),
      },
      targetResource: overrides.target ?? `prod/deployment/app-${sequence}`,
      executionEngine: overrides.engine ?? 'job',
      ...(overrides.parameters ? { parameters: overrides.parameters } : {}),
      ...(overrides.dependencies ? { dependencies: overrides.dependencies } : {}),
      ...(overrides.timeout || overrides.serviceAccountName
        ? {
            executionConfig: {
              ...(overrides.timeout ? { timeout: overrides.timeout } : {}),
              ...(overrides.serviceAccountName
                ? { serviceAccountName: overrides.serviceAccountName }
                : {}),
            },
          }
        : {}),
    },
  };
}

export async function apply(client: KubeClient, namespace: string, object: Manifest) {
  const { object: created } = await client.create(workflowExecutions, namespace, object);
  return created;
}

/** The execution as the API server has it, validated; null when it is gone. */
export async function read(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<WorkflowExecution | null> {
  const object = await client.get(workflowExecutions, namespace, name);
  return object && parseWorkflowExecution(object);
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
    if (!wfe) throw new Error(`WorkflowExecution ${namespace}/${name} does not exist`);
    expect(wfe.status?.phase).toBe(phase);
    return wfe;
  }, patience);
}

export async function jobsOf(client: KubeClient, executionNamespace: string, wfeName: string) {
  const { items } = await client.list<KubeObject>(resources.jobs, executionNamespace, {
    labelSelector: `roundhouse.dev/workflow-execution=${wfeName}`,
  });
  return items;
}

/** The execution's condition of `type`, if it has one. */
export function condition(wfe: WorkflowExecution | null | undefined, type: string) {
  return wfe?.status?.conditions?.find((c) => c.type === type);
}

/** The Events recorded about the object `name` in `namespace`. */
export async function eventsAbout(client: KubeClient, namespace: string, name: string) {
  const { items } = await client.list<KubeObject & { reason?: string; type?: string }>(
    resources.events,
    namespace,
    { fieldSelector: `involvedObject.name=${name}` },
  );
  return items;
}

/** What another writer does in kubernaut's tests: ends the execution in its status. */
export function markEnded(
  client: KubeClient,
  namespace: string,
  name: string,
  phase: 'Completed' | 'Failed',
) {
  return client.patch(
    workflowExecutions,
    namespace,
    name,
    { status: { phase, completionTime: new Date().toISOString() } },
    { subresource: 'status' },
  );
}
