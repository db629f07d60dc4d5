import type { WorkflowExecution, WorkflowExecutionStatus } from '@roundhouse/core';
import { KubeClient, type KubeObject } from '@roundhouse/kube';
import { type TestNamespace, useTestNamespace } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from 'vitest';
import {
  apply,
  jobsOf,
  type Manifest,
  patience,
  type RunningController,
  read,
  type StartOptions,
  startController,
  waitForPhase,
} from './harness.js';

/** A WorkflowExecution as the API server stores it, unvalidated. */
export type StoredExecution = KubeObject & { status?: WorkflowExecutionStatus };

/** The options a fixture fills in itself: the cluster and the two namespaces. */
export type ControllerSettings = Omit<
  StartOptions,
  'kubeConfig' | 'watchNamespace' | 'executionNamespace'
> &
  Partial<Pick<StartOptions, 'watchNamespace' | 'executionNamespace'>>;

/** A test file's namespaces and the controllers it starts over them. */
export interface ControllerFixture {
  readonly env: TestNamespace;
  /** Where the executions' Jobs, runs and locks go: `<prefix>-exec`, made before the tests. */
  readonly executionNamespace: string;
  /** An admin client of the control plane. */
  client(): KubeClient;
  /**
   * Starts a controller watching `env.namespace` unless told otherwise. One started in a test is
   * stopped after it, one started in beforeAll after the file.
   */
  start(settings: ControllerSettings): Promise<RunningController>;
  /** Creates the execution in `env.namespace`. */
  apply(object: Manifest): ReturnType<typeof apply>;
  read(name: string): Promise<WorkflowExecution | null>;
  /** Waits until the execution in `env.namespace` reaches `phase` and returns it. */
  waitForPhase(name: string, phase: string): Promise<WorkflowExecution>;
  /** As waitForPhase, reading the object as it is stored: for a spec no parser accepts. */
  waitForStoredPhase(name: string, phase: string): Promise<StoredExecution>;
  /** The Jobs in the execution namespace made for the execution `name`. */
  jobsOf(name: string): Promise<KubeObject[]>;
}

/** Sets up a file's namespaces (`prefix`, `prefix-exec`) and stops what it starts. */
export function useController(prefix: string): ControllerFixture {
  const env = useTestNamespace({ prefix });
  let executionNamespace: string | undefined;
  const forFile: RunningController[] = [];
  let forTest: RunningController[] | undefined;
  const stopAll = (controllers: RunningController[]) =>
    Promise.all(controllers.splice(0).map((c) => c.stop()));

  beforeAll(async () => {
    executionNamespace = await env.controlPlane.createNamespace(`${prefix}-exec`);
  });
  beforeEach(() => {
    forTest = [];
  });
  afterEach(async () => {
    const started = forTest ?? [];
    forTest = undefined;
    await stopAll(started);
  });
  afterAll(async () => {
    await stopAll(forFile);
  });

  const executionNamespaceNow = () => {
    if (executionNamespace === undefined) {
      throw new Error('useController() namespaces exist only in tests and hooks');
    }
    return executionNamespace;
  };
  const client = () => new KubeClient(env.kubeConfig);
  return {
    env,
    get executionNamespace() {
      return executionNamespaceNow();
    },
    client,
    async start(settings) {
      const controller = await startController({
        kubeConfig: env.kubeConfig,
        watchNamespace: env.namespace,
        executionNamespace: executionNamespaceNow(),
        ...settings,
      });
      (forTest ?? forFile).push(controller);
      return controller;
    },
    apply: (object) => apply(client(), env.namespace, object),
    read: (name) => read(client(), env.namespace, name),
    waitForPhase: (name, phase) => waitForPhase(client(), env.namespace, name, phase),
    waitForStoredPhase: (name, phase) =>
      vi.waitFor(async () => {
        const object = await client().get<StoredExecution>(workflowExecutions, env.namespace, name);
        expect(object?.status?.phase).toBe(phase);
        return object as StoredExecution;
      }, patience),
    jobsOf: (name) => jobsOf(client(), executionNamespaceNow(), name),
  };
}
