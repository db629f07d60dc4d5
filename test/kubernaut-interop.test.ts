import {
  type Executor,
  kubernautConventions,
  Registry,
  type WorkflowExecution,
} from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import {
  KubeClient,
  type KubeObject,
  type Reader,
  type ResourceType,
  resources,
} from '@roundhouse/kube';
import { TektonExecutor } from '@roundhouse/tekton';
import {
  describeWithControlPlane,
  podControls,
  useTestNamespace,
} from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd } from '@roundhouse/workflowexecution';
import { afterEach, beforeAll, expect, it, vi } from 'vitest';
import { waitForRelease } from './support/lock.js';
import { type TektonDriver, tektonDriver } from './support/tekton.js';
import {
  apply,
  jobRegistry,
  type Manifest,
  manifest,
  patience,
  type RunningController,
  read,
  startController,
  waitForPhase,
} from './workflowexecution/harness.js';

/** kubernaut's own example: the target and the lock name kubernaut computes for it. */
const target = 'default/deployment/my-app';
const lock = 'wfe-c00449355dfb987a';

/** The labels under `prefix`, to compare one preset's labels exactly beside an engine's own. */
const labelsUnder = (object: KubeObject | null, prefix: string) =>
  Object.fromEntries(
    Object.entries(object?.metadata?.labels ?? {}).filter(([key]) => key.startsWith(prefix)),
  );

/**
 * Controller instance A's engine: it creates the execution resource and the process dies
 * before the status names it. Every retry dies the same way, so A never records anything.
 */
function diesAfterCreate(executor: Executor, created: (name: string) => void): Executor {
  // Dead once its create returned: nothing after it (a retry that adopts through getStatus
  // included) may record the execution before the test stops the controller.
  let dead = false;
  const died = () => new Error('controller A died before recording the execution');
  return {
    engine: executor.engine,
    ...(executor.watches ? { watches: executor.watches } : {}),
    async create(wfe, namespace, options) {
      if (dead) throw died();
      const { resourceName } = await executor.create(wfe, namespace, options);
      dead = true;
      created(resourceName);
      throw died();
    },
    getStatus: async (wfe, namespace, options) => {
      if (dead) throw died();
      return executor.getStatus(wfe, namespace, options);
    },
    cleanup: async (wfe, namespace, options) => {
      if (dead) throw died();
      return executor.cleanup(wfe, namespace, options);
    },
  };
}

/** How one engine's execution is made, run and finished here. */
interface Engine {
  readonly name: string;
  readonly type: ResourceType;
  /** A kubernaut-preset executor; every controller instance constructs its own. */
  executor(client: KubeClient, reader?: Reader): Executor;
  /** kubernaut labels Jobs with their engine and PipelineRuns not at all. */
  readonly engineLabel: Record<string, string>;
  /** The bundle the execution runs, when not the harness's. */
  bundle?(): string;
  /** Readies the execution namespace. */
  prepare(namespace: string): Promise<void>;
  /** Lets the execution succeed. */
  finish(namespace: string, name: string): Promise<void>;
}

describeWithControlPlane('kubernaut interop', () => {
  const env = useTestNamespace({ prefix: 'kubernaut-interop' });
  const client = () => new KubeClient(env.kubeConfig);
  const running: RunningController[] = [];
  let tekton: TektonDriver;

  beforeAll(async () => {
    tekton = await tektonDriver(env);
    // The executions exist before any controller starts (and installs the CRD) here.
    await ensureWorkflowExecutionCrd(client());
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
  });

  const engines: readonly Engine[] = [
    {
      name: 'job',
      type: resources.jobs,
      executor: (kube, reader) =>
        new JobExecutor(kube, {
          conventions: kubernautConventions,
          podAnnotations: { [podControls.runSeconds]: '2' },
          reader,
        }),
      engineLabel: { 'kubernaut.ai/execution-engine': 'job' },
      prepare: async () => {},
      // The pod exits by itself after two seconds; the Job controller completes the Job.
      finish: async () => {},
    },
    {
      name: 'tekton',
      type: resources.pipelineRuns,
      executor: (kube, reader) =>
        new TektonExecutor(kube, { conventions: kubernautConventions, reader }),
      engineLabel: {},
      bundle: () => tekton.executionBundle,
      prepare: (namespace) => tekton.prepare(client(), namespace),
      finish: (namespace, name) => tekton.succeed(client(), namespace, name),
    },
  ];

  /** Namespaces of this test alone, so "exactly one" counts only what it made. */
  const namespaces = async (prefix: string) => ({
    watchNamespace: await env.controlPlane.createNamespace(`${prefix}-wfe`),
    executionNamespace: await env.controlPlane.createNamespace(`${prefix}-exec`),
  });

  const start = async (options: Parameters<typeof startController>[0]) => {
    const controller = await startController(options);
    running.push(controller);
    return controller;
  };

  for (const engine of engines) {
    it(`a ${engine.name} execution a kubernaut-preset controller created is adopted, reported and cleaned up by another`, async () => {
      const spaces = await namespaces(`interop-${engine.name}`);
      await engine.prepare(spaces.executionNamespace);
      const base: Manifest = manifest({
        name: 'restart-my-app',
        engine: engine.name,
        target,
        parameters: { REPLICAS: '3' },
      });
      const executionBundle = engine.bundle?.() ?? base.spec.workflowRef.executionBundle;
      const workflowRef = { ...base.spec.workflowRef, executionBundle };
      const wfe = await apply(client(), spaces.watchNamespace, {
        ...base,
        spec: { ...base.spec, workflowRef },
      });
      const settings = {
        ...spaces,
        kubeConfig: env.kubeConfig,
        policy: { bundles: [executionBundle] },
      };

      // Controller A creates the execution resource, then dies before recording it.
      let resolveCreated: (name: string) => void = () => {};
      const created = new Promise<string>((resolve) => {
        resolveCreated = resolve;
      });
      const a = await start({
        ...settings,
        registry: (reader) =>
          new Registry().register(
            diesAfterCreate(
              engine.executor(new KubeClient(env.kubeConfig), reader),
              resolveCreated,
            ),
          ),
      });
      const name = await created;
      await a.stop();
      running.splice(running.indexOf(a), 1);
      const afterA = await read(client(), spaces.watchNamespace, wfe.metadata.name);
      expect(afterA?.status?.executionRef).toBeUndefined();
      expect(afterA?.status?.phase ?? 'Pending').toBe('Pending');

      // What A left behind carries kubernaut's name and labels byte for byte.
      expect(name).toBe(lock);
      const resource = await client().get(engine.type, spaces.executionNamespace, name);
      expect(labelsUnder(resource, 'kubernaut.ai/')).toEqual({
        'kubernaut.ai/workflow-execution': 'restart-my-app',
        'kubernaut.ai/workflow-id': 'restart-app',
        'kubernaut.ai/target-resource': 'default__deployment__my-app',
        'kubernaut.ai/source-namespace': spaces.watchNamespace,
        ...engine.engineLabel,
      });
      expect(labelsUnder(resource, 'roundhouse.dev/')).toEqual({});
      expect(resource?.metadata?.annotations).toMatchObject({
        'kubernaut.ai/target-resource': target,
      });

      // Controller B, constructed independently with the same preset, adopts it.
      await start({
        ...settings,
        registry: (reader) =>
          new Registry().register(engine.executor(new KubeClient(env.kubeConfig), reader)),
        cooldownMs: 2_000,
        resyncMs: 600_000,
      });
      await vi.waitFor(async () => {
        const current = await read(client(), spaces.watchNamespace, wfe.metadata.name);
        expect(current?.status?.executionRef?.name).toBe(lock);
      }, patience);
      await engine.finish(spaces.executionNamespace, lock);
      const done = await waitForPhase(
        client(),
        spaces.watchNamespace,
        wfe.metadata.name,
        'Completed',
      );
      expect(done.status?.executionStatus?.status).toBe('True');
      const { items } = await client().list<KubeObject>(engine.type, spaces.executionNamespace);
      expect(items.map((item) => item.metadata?.uid)).toEqual([resource?.metadata?.uid]);

      // After B's cooldown, B releases the lock by deleting what A created.
      await waitForRelease(client(), spaces.watchNamespace, wfe.metadata.name, {
        type: engine.type,
        namespace: spaces.executionNamespace,
        name: lock,
      });
    });
  }

  it('a roundhouse-preset controller neither adopts nor deletes a kubernaut-preset Job made for its execution, and says it is stalled on the other preset', async () => {
    const spaces = await namespaces('interop-locked');
    const wfe = await apply(client(), spaces.watchNamespace, manifest({ engine: 'job', target }));
    // A kubernaut controller created the Job for this very execution; its pod runs for ten minutes.
    const kubernaut = new JobExecutor(client(), {
      conventions: kubernautConventions,
      podAnnotations: { [podControls.runSeconds]: '600' },
    });
    const parsed = (await read(
      client(),
      spaces.watchNamespace,
      wfe.metadata.name,
    )) as WorkflowExecution;
    await kubernaut.create(parsed, spaces.executionNamespace);
    const held = await client().get(resources.jobs, spaces.executionNamespace, lock);

    await start({
      ...spaces,
      kubeConfig: env.kubeConfig,
      registry: jobRegistry(env.kubeConfig),
      cooldownMs: 1_000,
    });
    // The Job names this very execution under kubernaut's labels: made under the other preset,
    // not another holder's. The execution is neither started nor failed; it says why it waits.
    const stalled = await vi.waitFor(async () => {
      const stored = await read(client(), spaces.watchNamespace, wfe.metadata.name);
      const condition = stored?.status?.conditions?.find((c) => c.type === 'Stalled');
      expect(condition).toMatchObject({ status: 'True', reason: 'ConventionsMismatch' });
      return stored;
    }, patience);
    expect(stalled?.status?.phase).not.toBe('Failed');
    expect(stalled?.status?.phase).not.toBe('Running');
    const { items } = await client().list<KubeObject>(resources.jobs, spaces.executionNamespace);
    expect(items).toHaveLength(1);
    expect(items[0]?.metadata).toMatchObject({
      uid: held?.metadata?.uid,
      labels: held?.metadata?.labels,
    });
    expect(items[0]?.metadata?.deletionTimestamp).toBeUndefined();
  });
});
