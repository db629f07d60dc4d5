import {
  ConfigurationError,
  executionResourceName,
  kubernautConventions,
  PreviousExecutionNotCleanedError,
  parseGoDuration,
  ResourceLockedError,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import {
  KubeClient,
  type KubeObject,
  type PatchOptions,
  type ResourceType,
  resources,
} from '@roundhouse/kube';
import { buildPipelineRun, TektonExecutor } from '@roundhouse/tekton';
import { describeWithTekton, useTestNamespace } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it, vi } from 'vitest';
import { makeExecution as execution } from './drive.js';
import {
  type Bundles,
  cleanupAsAController,
  finished,
  finishTaskPod,
  patience,
  prepareNamespace,
  pushWorkflows,
} from './tekton.js';

type PipelineRunObject = KubeObject & { spec?: { status?: string } };

/** The executor's contract on a cluster where Tekton Pipelines runs what it creates. */
describeWithTekton('TektonExecutor against a real API server and Tekton', () => {
  const env = useTestNamespace();
  let client: KubeClient;
  let executor: TektonExecutor;
  let bundles: Bundles;

  beforeAll(async () => {
    client = new KubeClient(env.kubeConfig);
    executor = new TektonExecutor(client);
    await prepareNamespace(client, env.namespace);
    bundles = await pushWorkflows(env);
  });

  /** Runs until the test ends it, so nothing finishes behind a test's back. */
  const makeExecution = (options: Parameters<typeof execution>[0] = {}) =>
    execution({ bundle: bundles.holds, ...options });

  const getRun = (name: string) =>
    client.get<PipelineRunObject>(resources.pipelineRuns, env.namespace, name);

  it("ends the run's timeout by spec.timesOutAt and says workflowRef.resources is not used", async () => {
    const wfe = makeExecution({
      spec: {
        timesOutAt: new Date(Date.now() + 10 * 60_000).toISOString(),
        workflowRef: {
          workflowId: 'w',
          version: '1',
          executionBundle: bundles.holds,
          resources: { limits: { memory: '1Gi' } },
        },
      },
    });
    const { resourceName, warnings } = await executor.create(wfe, env.namespace);
    expect(warnings).toEqual([
      "spec.workflowRef.resources is not used by the tekton engine: the Pipeline's Tasks size their own steps",
    ]);
    const run = await getRun(resourceName);
    const timeout = (run as { spec?: { timeouts?: { pipeline?: string } } })?.spec?.timeouts
      ?.pipeline;
    const seconds = (parseGoDuration(timeout ?? '') ?? 0) / 1000;
    expect(seconds).toBeGreaterThan(540);
    expect(seconds).toBeLessThanOrEqual(600);
    await executor.cleanup(wfe, env.namespace);
  });

  it('creates the PipelineRun the builder describes, named for the lock, and Tekton runs it', async () => {
    const wfe = makeExecution({
      bundle: bundles.usesDependencies,
      spec: { executionConfig: { timeout: '45m' } },
    });
    const dependencies = { secrets: [{ name: 'db' }], configMaps: [{ name: 'settings' }] };
    const { resourceName, warnings } = await executor.create(wfe, env.namespace, {
      dependencies,
    });
    expect(resourceName).toBe(executionResourceName(wfe.spec.targetResource));
    expect(warnings).toEqual([]);
    const expected = buildPipelineRun(wfe, env.namespace, dependencies, {
      conventions: roundhouseConventions,
      serviceAccountName: roundhouseConventions.defaultServiceAccountName,
      pipelineName: 'workflow',
    });
    // Tekton writes the run back with its defaults, the timeout in Go's canonical form.
    const timeouts = {
      pipeline: expect.stringMatching(/^45m(0s)?$/),
      tasks: expect.stringMatching(/^45m(0s)?$/),
    };
    expect(await getRun(resourceName)).toMatchObject({
      ...expected,
      spec: { ...expected.spec, timeouts },
    });
    expect(await finished(executor, wfe, env.namespace)).toMatchObject({
      phase: 'Completed',
      summary: { completedTasks: 1, totalTasks: 1 },
    });
  });

  it('writes no engine label with the kubernaut preset', async () => {
    const kubernaut = new TektonExecutor(client, { conventions: kubernautConventions });
    const wfe = makeExecution();
    const { resourceName } = await kubernaut.create(wfe, env.namespace);
    // Tekton adds its own (`tekton.dev/pipeline`) once it has resolved the Pipeline.
    await vi.waitFor(async () => {
      const labels = (await getRun(resourceName))?.metadata?.labels ?? {};
      expect(labels['tekton.dev/pipeline']).toBe('workflow');
    }, patience);
    const labels = (await getRun(resourceName))?.metadata?.labels ?? {};
    expect(
      Object.keys(labels)
        .filter((key) => !key.startsWith('tekton.dev/'))
        .sort(),
    ).toEqual([
      'kubernaut.ai/source-namespace',
      'kubernaut.ai/target-resource',
      'kubernaut.ai/workflow-execution',
      'kubernaut.ai/workflow-id',
    ]);
  });

  it('adopts its own PipelineRun on a retried create and refuses another execution', async () => {
    const owner = makeExecution();
    const first = await executor.create(owner, env.namespace);
    const again = await executor.create(owner, env.namespace);
    expect(again.resourceName).toBe(first.resourceName);

    const other = makeExecution({
      name: `${owner.metadata.name}-2`,
      targetResource: owner.spec.targetResource,
    });
    const busy = executor.create(other, env.namespace);
    await expect(busy).rejects.toBeInstanceOf(ResourceLockedError);
    await expect(busy).rejects.toMatchObject({
      resourceName: first.resourceName,
      owner: { name: owner.metadata.name, namespace: owner.metadata.namespace },
      retryable: true,
    });
    expect(await executor.getStatus(other, env.namespace), "another execution's run").toBeNull();

    await finishTaskPod(client, env.namespace, first.resourceName, 0);
    expect((await finished(executor, owner, env.namespace)).phase).toBe('Completed');
    await expect(executor.create(other, env.namespace)).rejects.toBeInstanceOf(
      PreviousExecutionNotCleanedError,
    );
  });

  it('cancels by setting spec.status, visibly on the server', async () => {
    const modes = [
      [undefined, 'Cancelled'],
      ['cancel', 'CancelledRunFinally'],
      ['stop', 'StoppedRunFinally'],
    ] as const;
    for (const [graceful, specStatus] of modes) {
      // A run each: Tekton ends a cancelled run at once, and a finished one has nothing to stop.
      const wfe = makeExecution();
      const { resourceName } = await executor.create(wfe, env.namespace);
      expect(await executor.cancel(wfe, env.namespace, graceful ? { graceful } : {})).toBe(true);
      expect((await getRun(resourceName))?.spec?.status, String(graceful)).toBe(specStatus);
    }
  });

  it('has nothing to cancel once the run finished, and leaves it as it is', async () => {
    const wfe = makeExecution();
    const { resourceName } = await executor.create(wfe, env.namespace);
    await finishTaskPod(client, env.namespace, resourceName, 0);
    expect((await finished(executor, wfe, env.namespace)).phase).toBe('Completed');
    expect(await executor.cancel(wfe, env.namespace, { graceful: 'stop' })).toBe(false);
    expect((await getRun(resourceName))?.spec?.status).toBeUndefined();
  });

  it("does not cancel another execution's PipelineRun", async () => {
    const owner = makeExecution();
    const { resourceName } = await executor.create(owner, env.namespace);
    const other = makeExecution({
      name: `${owner.metadata.name}-2`,
      targetResource: owner.spec.targetResource,
    });
    expect(await executor.cancel(other, env.namespace)).toBe(false);
    expect((await getRun(resourceName))?.spec?.status).toBeUndefined();
    expect(await executor.cancel(makeExecution(), env.namespace), 'nothing to cancel').toBe(false);
  });

  it('does not cancel a PipelineRun that replaced the one whose ownership it checked', async () => {
    const owner = makeExecution();
    const other = makeExecution({
      name: `${owner.metadata.name}-2`,
      targetResource: owner.spec.targetResource,
    });
    // Between the ownership check and the patch, the owner's run is deleted and another
    // execution takes the lock: the uid in the patch must stop it from landing there.
    let replacementUid: string | undefined;
    class RacingClient extends KubeClient {
      override async patch<T extends KubeObject>(
        type: ResourceType,
        namespace: string | undefined,
        name: string,
        patch: unknown,
        options?: PatchOptions,
      ): Promise<T> {
        await cleanupAsAController(executor, owner, env.namespace);
        // Deleted in the foreground: gone once the garbage collector removed its TaskRuns.
        await expect.poll(() => getRun(name), patience).toBeNull();
        await executor.create(other, env.namespace);
        replacementUid = (await getRun(name))?.metadata?.uid;
        return super.patch<T>(type, namespace, name, patch, options);
      }
    }
    const racing = new TektonExecutor(new RacingClient(env.kubeConfig));
    const { resourceName } = await racing.create(owner, env.namespace);
    expect(await racing.cancel(owner, env.namespace)).toBe(false);
    // Compared by uid, not by label: Tekton's reconcile of the deleted run can still copy its
    // labels onto the replacement (pipelinerun.go, updateLabelsAndAnnotations reads the new
    // object from its lister and merges the stale run's labels over it).
    const run = await getRun(resourceName);
    expect(replacementUid).toBeDefined();
    expect(run?.metadata?.uid).toBe(replacementUid);
    expect(run?.spec?.status).toBeUndefined();
  });

  it('cleans up only its own PipelineRun and reads a deleted one as null', async () => {
    const owner = makeExecution();
    const { resourceName } = await executor.create(owner, env.namespace);
    const other = makeExecution({
      name: `${owner.metadata.name}-2`,
      targetResource: owner.spec.targetResource,
    });
    await executor.cleanup(other, env.namespace);
    expect(await getRun(resourceName)).not.toBeNull();

    await executor.cleanup(owner, env.namespace);
    await executor.cleanup(owner, env.namespace);
    await expect
      .poll(() => executor.getStatus(owner, env.namespace), { timeout: 30_000 })
      .toBeNull();
    expect(await getRun(resourceName)).toBeNull();
  });

  it("holds the lock until the run's TaskRuns are gone, so the next run cannot take them for its own", async () => {
    const first = makeExecution();
    const { resourceName } = await executor.create(first, env.namespace);
    await finishTaskPod(client, env.namespace, resourceName, 0);
    expect((await finished(executor, first, env.namespace)).phase).toBe('Completed');
    const [taskRun] = (
      await client.list<KubeObject>(resources.taskRuns, env.namespace, {
        labelSelector: `tekton.dev/pipelineRun=${resourceName}`,
      })
    ).items;
    const taskRunName = taskRun?.metadata?.name as string;
    // Keeps the TaskRun, as a slow garbage collector would.
    const hold = 'test.roundhouse.dev/hold';
    await client.patch(resources.taskRuns, env.namespace, taskRunName, {
      metadata: { finalizers: [hold] },
    });

    await executor.cleanup(first, env.namespace);
    const next = makeExecution({
      name: `${first.metadata.name}-next`,
      targetResource: first.spec.targetResource,
    });
    // Tekton would find the finished TaskRun by its name and count the next run's task done.
    await vi.waitFor(async () => {
      const taskRunLeft = await client.get<KubeObject>(
        resources.taskRuns,
        env.namespace,
        taskRunName,
      );
      expect(taskRunLeft?.metadata?.deletionTimestamp).toBeDefined();
    }, patience);
    await expect(executor.create(next, env.namespace)).rejects.toBeInstanceOf(
      PreviousExecutionNotCleanedError,
    );

    await client.patch(resources.taskRuns, env.namespace, taskRunName, {
      metadata: { finalizers: null },
    });
    await vi.waitFor(async () => {
      await executor.create(next, env.namespace);
    }, patience);
    // The next run runs its task itself.
    expect((await executor.getStatus(next, env.namespace))?.phase).not.toBe('Completed');
    await finishTaskPod(client, env.namespace, resourceName, 0);
    expect((await finished(executor, next, env.namespace)).phase).toBe('Completed');
  });

  it('rejects a bad timeout naming the field, creating nothing', async () => {
    const wfe: WorkflowExecution = makeExecution({ spec: { executionConfig: { timeout: '0s' } } });
    const create = executor.create(wfe, env.namespace);
    await expect(create).rejects.toBeInstanceOf(ConfigurationError);
    await expect(create).rejects.toMatchObject({
      issues: [{ path: 'spec.executionConfig.timeout' }],
    });
    expect(await executor.getStatus(wfe, env.namespace)).toBeNull();
  });

  it("refuses a parameter value Tekton would expand into another task's result, creating nothing", async () => {
    const wfe = makeExecution({
      spec: { parameters: { MESSAGE: '$(tasks.fetch.results.token)', REPLICAS: '3' } },
    });
    const create = executor.create(wfe, env.namespace);
    await expect(create).rejects.toBeInstanceOf(ConfigurationError);
    await expect(create).rejects.toMatchObject({ issues: [{ path: 'spec.parameters.MESSAGE' }] });
    expect(await executor.getStatus(wfe, env.namespace)).toBeNull();
  });
});
