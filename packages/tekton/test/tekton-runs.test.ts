import {
  KubeClient,
  type KubeObject,
  type Reader,
  type ResourceType,
  resources,
} from '@roundhouse/kube';
import { TektonExecutor } from '@roundhouse/tekton';
import { describeWithTekton, podControls, useTestNamespace } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it, vi } from 'vitest';
import { makeExecution } from './drive.js';
import {
  type Bundles,
  finished,
  finishTaskPod,
  patience,
  prepareNamespace,
  pushWorkflows,
  runningTaskPod,
} from './tekton.js';

type PipelineRunObject = KubeObject & {
  spec?: { timeouts?: { pipeline?: string } };
  status?: unknown;
};

/** What Tekton Pipelines itself does with the PipelineRuns this engine builds. */
describeWithTekton('TektonExecutor with real Tekton Pipelines', () => {
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

  async function start(bundle: string, spec: Parameters<typeof makeExecution>[0] = {}) {
    const wfe = makeExecution({ bundle, ...spec });
    const { resourceName } = await executor.create(wfe, env.namespace);
    return { wfe, run: resourceName };
  }

  /** Waits until Tekton runs the first task's pod, so a cancel meets a running task. */
  async function whileRunning(run: string, wfe: ReturnType<typeof makeExecution>) {
    await runningTaskPod(client, env.namespace, run);
    await vi.waitFor(async () => {
      expect(await executor.getStatus(wfe, env.namespace)).toMatchObject({
        phase: 'Running',
        reason: 'Running',
      });
    }, patience);
  }

  /** Waits until Tekton reports the TaskRun's pod refused for a ResourceQuota. */
  async function quotaRefused(namespace: string, taskRun: string) {
    await vi.waitFor(async () => {
      const found = await client.get<KubeObject & { status?: { conditions?: unknown[] } }>(
        resources.taskRuns,
        namespace,
        taskRun,
      );
      expect(found?.status?.conditions).toContainEqual(
        expect.objectContaining({ status: 'Unknown', reason: 'ExceededResourceQuota' }),
      );
    }, patience);
  }

  /** The run is gone, or going: foreground deletion keeps it until Tekton's pods are removed. */
  async function expectDeleted(run: string) {
    const left = await client.get<PipelineRunObject>(resources.pipelineRuns, env.namespace, run);
    expect(left === null || left.metadata?.deletionTimestamp !== undefined, 'deleted').toBe(true);
  }

  /**
   * An executor reading through a controller's cache whose watch delivers no change of the run
   * from now on: its copy of the run is the one from now, for as long as the test looks.
   */
  async function executorBehind(run: string) {
    const before = await client.get<PipelineRunObject>(resources.pipelineRuns, env.namespace, run);
    const behind: Reader = {
      get: async <T extends KubeObject>(
        type: ResourceType,
        namespace: string | undefined,
        name: string,
      ) =>
        (type.kind === 'PipelineRun'
          ? structuredClone(before)
          : await client.get(type, namespace, name)) as T | null,
      list: (type, namespace, options) => client.list(type, namespace, options),
    };
    return new TektonExecutor(client, { reader: behind });
  }

  it('runs a workflow from its bundle to Completed, counting its tasks', async () => {
    const { wfe, run } = await start(bundles.succeeds);
    const message = 'Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 0';
    const result = await finished(executor, wfe, env.namespace);
    const stored = await client.get<PipelineRunObject>(resources.pipelineRuns, env.namespace, run);
    const completionTime = (stored?.status as { completionTime?: string } | undefined)
      ?.completionTime;
    expect(result).toEqual({
      phase: 'Completed',
      reason: 'Succeeded',
      message,
      summary: { status: 'True', reason: 'Succeeded', message, completedTasks: 2, totalTasks: 2 },
      // Tekton's own completion time, not the time of the read.
      completionTime,
      started: true,
    });
  });

  it('resolves a bundle pinned by its digest', async () => {
    const pushed = await env.tekton.pushWorkflow('tekton-tests/pinned', 'v1', {
      params: ['TARGET_RESOURCE', 'REPLICAS'],
      tasks: [{ name: 'only' }],
    });
    const wfe = makeExecution({ bundle: pushed.reference });
    wfe.spec.workflowRef.executionBundleDigest = pushed.digest;
    await executor.create(wfe, env.namespace);
    expect((await finished(executor, wfe, env.namespace)).phase).toBe('Completed');
  });

  it('reports a Task that fails with exit code 3 with the failed task, step and code', async () => {
    const { wfe, run } = await start(bundles.failsInLint);
    const message = 'Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 0';
    expect(await finished(executor, wfe, env.namespace)).toEqual({
      phase: 'Failed',
      reason: 'Failed',
      message: `${message}; TaskRun ${run}-test (pipeline task test) failed: step lint exited with code 3 (Error)`,
      summary: { status: 'False', reason: 'Failed', message, completedTasks: 1, totalTasks: 2 },
      failureReason: 'TaskFailed',
      failedTaskName: `${run}-test`,
      failedTaskIndex: 1,
      failedStepName: 'lint',
      exitCode: 3,
      completionTime: expect.any(String),
      started: true,
    });
  });

  it("cancels a running workflow: Cancelled, and Tekton's exit code 1 is not the workflow's", async () => {
    const { wfe, run } = await start(bundles.holds);
    await whileRunning(run, wfe);
    expect(await executor.cancel(wfe, env.namespace)).toBe(true);
    const result = await finished(executor, wfe, env.namespace);
    expect(result).toMatchObject({
      phase: 'Failed',
      reason: 'Cancelled',
      message: `PipelineRun "${run}" was cancelled; TaskRun ${run}-work (pipeline task work) was cancelled`,
    });
    expect(result).not.toHaveProperty('exitCode');
    expect(result).not.toHaveProperty('failedTaskName');
    expect(result).not.toHaveProperty('failureReason');
  });

  it('CancelledRunFinally cancels the running task and then runs finally', async () => {
    const { wfe, run } = await start(bundles.holdsThenFinally);
    await whileRunning(run, wfe);
    expect(await executor.cancel(wfe, env.namespace, { graceful: 'cancel' })).toBe(true);
    const result = await finished(executor, wfe, env.namespace);
    // Tekton's final reason is Cancelled; CancelledRunningFinally only shows while finally runs.
    expect(result).toMatchObject({
      reason: 'Cancelled',
      message: `PipelineRun "${run}" was cancelled; TaskRun ${run}-work (pipeline task work) was cancelled`,
      summary: { status: 'False', completedTasks: 1, totalTasks: 2 },
    });
    expect(result).not.toHaveProperty('exitCode');
  });

  it("cleanup leaves a graceful cancel's finally running, and deletes the run once it ended", async () => {
    const { wfe, run } = await start(bundles.holdsThenHeldFinally);
    await whileRunning(run, wfe);
    expect(await executor.cancel(wfe, env.namespace, { graceful: 'cancel' })).toBe(true);
    const report = await runningTaskPod(client, env.namespace, run, 'report');
    await vi.waitFor(async () => {
      expect(await executor.getStatus(wfe, env.namespace)).toMatchObject({
        phase: 'Running',
        reason: 'CancelledRunningFinally',
      });
    }, patience);

    await expect(executor.cleanup(wfe, env.namespace)).rejects.toMatchObject({
      reason: 'FinallyRunning',
      retryable: true,
    });
    const kept = await client.get<PipelineRunObject>(resources.pipelineRuns, env.namespace, run);
    expect(kept?.metadata?.deletionTimestamp, 'the run is not being deleted').toBeUndefined();

    // The finally task ends on its own, and Tekton ends the run.
    await client.patch(resources.pods, env.namespace, report.metadata?.name as string, {
      metadata: { annotations: { [podControls.exitCode]: '0' } },
    });
    expect(await finished(executor, wfe, env.namespace)).toMatchObject({
      reason: 'Cancelled',
      summary: { completedTasks: 1, totalTasks: 2 },
    });
    await executor.cleanup(wfe, env.namespace);
    await expectDeleted(run);
  });

  it('cleanup leaves a graceful stop to its running task and finally, and deletes the run once they ended', async () => {
    const { wfe, run } = await start(bundles.holdsThenFinally);
    await whileRunning(run, wfe);
    expect(await executor.cancel(wfe, env.namespace, { graceful: 'stop' })).toBe(true);
    await vi.waitFor(async () => {
      expect(await executor.getStatus(wfe, env.namespace)).toMatchObject({
        reason: 'StoppedRunningFinally',
      });
    }, patience);

    await expect(executor.cleanup(wfe, env.namespace)).rejects.toMatchObject({
      reason: 'FinallyRunning',
    });
    // The task a stop lets finish ends, then the finally task runs to its end.
    await finishTaskPod(client, env.namespace, run, 0);
    expect(await finished(executor, wfe, env.namespace)).toMatchObject({
      reason: 'Cancelled',
      summary: { completedTasks: 2, totalTasks: 2 },
    });
    await executor.cleanup(wfe, env.namespace);
    await expectDeleted(run);
  });

  it("cleanup right after its own graceful cancel waits for finally, whatever the reader's copy of the run predates", async () => {
    const { wfe, run } = await start(bundles.holdsThenHeldFinally);
    await whileRunning(run, wfe);
    const cached = await executorBehind(run);
    expect(await cached.cancel(wfe, env.namespace, { graceful: 'cancel' })).toBe(true);

    await expect(cached.cleanup(wfe, env.namespace)).rejects.toMatchObject({
      reason: 'FinallyRunning',
    });
    const kept = await client.get<PipelineRunObject>(resources.pipelineRuns, env.namespace, run);
    expect(kept?.metadata?.deletionTimestamp, 'the run is not being deleted').toBeUndefined();

    const report = await runningTaskPod(client, env.namespace, run, 'report');
    await client.patch(resources.pods, env.namespace, report.metadata?.name as string, {
      metadata: { annotations: { [podControls.exitCode]: '0' } },
    });
    expect(await finished(executor, wfe, env.namespace)).toMatchObject({ reason: 'Cancelled' });
    await cached.cleanup(wfe, env.namespace);
    await expectDeleted(run);
  });

  it("cleanup waits for the finally of a graceful cancel another process wrote, which the reader's copy of the run predates", async () => {
    const { wfe, run } = await start(bundles.holdsThenHeldFinally);
    await whileRunning(run, wfe);
    const cached = await executorBehind(run);
    // A user's kubectl, not the executor: nothing of the executor's own knows of this write.
    await client.patch(
      resources.pipelineRuns,
      env.namespace,
      run,
      { spec: { status: 'CancelledRunFinally' } },
      { strategy: 'merge' },
    );

    await expect(cached.cleanup(wfe, env.namespace)).rejects.toMatchObject({
      reason: 'FinallyRunning',
    });
    const kept = await client.get<PipelineRunObject>(resources.pipelineRuns, env.namespace, run);
    expect(kept?.metadata?.deletionTimestamp, 'the run is not being deleted').toBeUndefined();

    const report = await runningTaskPod(client, env.namespace, run, 'report');
    await client.patch(resources.pods, env.namespace, report.metadata?.name as string, {
      metadata: { annotations: { [podControls.exitCode]: '0' } },
    });
    expect(await finished(executor, wfe, env.namespace)).toMatchObject({ reason: 'Cancelled' });
    await cached.cleanup(wfe, env.namespace);
    await expectDeleted(run);
  });

  it('StoppedRunFinally lets the running task finish, starts nothing new, then runs finally', async () => {
    const { wfe, run } = await start(bundles.slowThenFinally);
    await whileRunning(run, wfe);
    expect(await executor.cancel(wfe, env.namespace, { graceful: 'stop' })).toBe(true);
    const result = await finished(executor, wfe, env.namespace);
    // `work` and the finally task `report` ran to success; `next` never started (Tekton lists
    // it in skippedTasks) and is among the tasks, not the completed ones.
    expect(result).toEqual({
      phase: 'Failed',
      reason: 'Cancelled',
      message: `PipelineRun "${run}" was cancelled`,
      summary: {
        status: 'False',
        reason: 'Cancelled',
        message: `PipelineRun "${run}" was cancelled`,
        completedTasks: 2,
        totalTasks: 3,
      },
      completionTime: expect.any(String),
      started: true,
    });
  });

  // Tekton gave the run its start time before it resolved the bundle; its reason still says the
  // workflow never ran (a ConfigurationError is no failure during execution).
  it('fails with CouldntGetPipeline when the bundle does not exist', async () => {
    const { wfe } = await start(`${env.tekton.registry}/tekton-tests/missing:v1`);
    const result = await finished(executor, wfe, env.namespace);
    expect(result).toMatchObject({
      phase: 'Failed',
      reason: 'CouldntGetPipeline',
      failureReason: 'ConfigurationError',
      started: true,
    });
    expect(result.message).toContain('MANIFEST_UNKNOWN: manifest tekton-tests/missing:v1 unknown');
  });

  it('fails with CouldntGetPipeline when the registry cannot be reached', async () => {
    // Port 1 on loopback: nothing listens there.
    const { wfe } = await start('127.0.0.1:1/tekton-tests/unreachable:v1');
    const result = await finished(executor, wfe, env.namespace);
    expect(result).toMatchObject({
      reason: 'CouldntGetPipeline',
      failureReason: 'ConfigurationError',
      started: true,
    });
    expect(result.message).toContain('connection refused');
  });

  it('fails a run whose task pods a ResourceQuota refuses with the cause, instead of at its timeout', async () => {
    const namespace = await env.controlPlane.createNamespace('tekton-quota');
    try {
      await prepareNamespace(client, namespace);
      await env.controlPlane.createEnforcedQuota(namespace, 'no-pods', { pods: '0' });
      const impatient = new TektonExecutor(client, { startupGraceMs: 0 });
      const wfe = makeExecution({ bundle: bundles.succeeds });
      const { resourceName: run } = await impatient.create(wfe, namespace);
      const result = await vi.waitFor(async () => {
        const status = await impatient.getStatus(wfe, namespace);
        expect(status?.phase).toBe('Failed');
        return status;
      }, patience);
      expect(result).toMatchObject({
        reason: 'StartFailed',
        failureReason: 'ResourceExhausted',
        failedTaskName: `${run}-build`,
        failedTaskIndex: 0,
        started: false,
      });
      expect(result?.message).toMatch(
        new RegExp(
          `^TaskRun ${run}-build \\(pipeline task build\\) cannot start: ExceededResourceQuota: .*exceeded quota: no-pods`,
        ),
      );
    } finally {
      await env.controlPlane.deleteNamespace(namespace);
    }
  });

  it('cleanup waits for no finally a ResourceQuota keeps from starting after a graceful cancel of a run that never started a task', async () => {
    const namespace = await env.controlPlane.createNamespace('tekton-quota-finally');
    try {
      await prepareNamespace(client, namespace);
      await env.controlPlane.createEnforcedQuota(namespace, 'no-pods', { pods: '0' });
      const impatient = new TektonExecutor(client, { startupGraceMs: 0 });
      const wfe = makeExecution({ bundle: bundles.holdsThenFinally });
      const { resourceName: run } = await impatient.create(wfe, namespace);
      await quotaRefused(namespace, `${run}-work`);
      expect(await impatient.cancel(wfe, namespace, { graceful: 'cancel' })).toBe(true);
      // Tekton cancels the task that never started and then runs finally, whose pod the quota
      // refuses as well: the run stays in its finally until its timeout.
      await quotaRefused(namespace, `${run}-report`);
      expect(await impatient.getStatus(wfe, namespace)).toMatchObject({
        phase: 'Running',
        reason: 'CancelledRunningFinally',
      });
      await impatient.cleanup(wfe, namespace);
      const left = await client.get<PipelineRunObject>(resources.pipelineRuns, namespace, run);
      expect(left === null || left.metadata?.deletionTimestamp !== undefined, 'deleted').toBe(true);
    } finally {
      await env.controlPlane.deleteNamespace(namespace);
    }
  });

  it('cleanup waits for no finally a ResourceQuota keeps Tekton from creating after a graceful cancel of a run that never started a task', async () => {
    const namespace = await env.controlPlane.createNamespace('tekton-taskrun-quota-finally');
    try {
      await prepareNamespace(client, namespace);
      await env.controlPlane.createEnforcedQuota(namespace, 'no-taskruns', {
        'count/taskruns.tekton.dev': '0',
      });
      const impatient = new TektonExecutor(client, { startupGraceMs: 0 });
      const wfe = makeExecution({ bundle: bundles.holdsThenFinally });
      const { resourceName: run } = await impatient.create(wfe, namespace);
      await vi.waitFor(async () => {
        expect(await impatient.getStatus(wfe, namespace)).toMatchObject({ reason: 'StartFailed' });
      }, patience);
      expect(await impatient.cancel(wfe, namespace, { graceful: 'cancel' })).toBe(true);
      // Tekton skips the task it could not create and then fails to create finally's TaskRun
      // the same way, which only its Events say.
      await vi.waitFor(async () => {
        const { items } = await client.list<KubeObject & { message?: string }>(
          resources.events,
          namespace,
        );
        expect(items.map((event) => event.message)).toContainEqual(
          expect.stringContaining(`Failed to create TaskRuns ["${run}-report"]`),
        );
      }, patience);
      await impatient.cleanup(wfe, namespace);
      const left = await client.get<PipelineRunObject>(resources.pipelineRuns, namespace, run);
      expect(left === null || left.metadata?.deletionTimestamp !== undefined, 'deleted').toBe(true);
    } finally {
      await env.controlPlane.deleteNamespace(namespace);
    }
  });

  it('fails a run whose TaskRuns a ResourceQuota refuses with the cause, instead of at its timeout', async () => {
    const namespace = await env.controlPlane.createNamespace('tekton-taskrun-quota');
    try {
      await prepareNamespace(client, namespace);
      await env.controlPlane.createEnforcedQuota(namespace, 'no-taskruns', {
        'count/taskruns.tekton.dev': '0',
      });
      const impatient = new TektonExecutor(client, { startupGraceMs: 0 });
      const wfe = makeExecution({ bundle: bundles.succeeds });
      const { resourceName: run } = await impatient.create(wfe, namespace);
      const result = await vi.waitFor(async () => {
        const status = await impatient.getStatus(wfe, namespace);
        expect(status?.phase).toBe('Failed');
        return status;
      }, patience);
      // Tekton records the refusal only in an Event; the run's condition stays ResolvingTaskRef.
      expect(result).toMatchObject({
        reason: 'StartFailed',
        failureReason: 'ResourceExhausted',
        failedTaskName: `${run}-build`,
        started: false,
      });
      expect(result?.message).toBe(
        `the PipelineRun cannot create its next run: Failed to create TaskRuns ["${run}-build"]: taskruns.tekton.dev "${run}-build" is forbidden: exceeded quota: no-taskruns, resources: count/taskruns.tekton.dev`,
      );
    } finally {
      await env.controlPlane.deleteNamespace(namespace);
    }
  });

  it("gives each task the whole executionConfig.timeout, not Tekton's 60-minute TaskRun default", async () => {
    const { wfe, run } = await start(bundles.holds, {
      spec: { executionConfig: { timeout: '2h' } },
    });
    const taskRun = await vi.waitFor(async () => {
      const found = await client.get<KubeObject & { spec?: { timeout?: string } }>(
        resources.taskRuns,
        env.namespace,
        `${run}-work`,
      );
      expect(found).toBeTruthy();
      return found;
    }, patience);
    // Without timeouts.tasks Tekton leaves it to its default, 60 minutes (written back as
    // 1h0m0s by its webhook, which the test plane does not run): a task still running after an
    // hour would fail with TaskRunTimeout.
    expect(taskRun?.spec?.timeout).toBe('2h0m0s');
    expect(await executor.cancel(wfe, env.namespace)).toBe(true);
    await finished(executor, wfe, env.namespace);
  });

  it("times out after executionConfig.timeout: PipelineRunTimeout, without Tekton's exit code", async () => {
    const { wfe, run } = await start(bundles.holds, {
      spec: { executionConfig: { timeout: '2s' } },
    });
    const created = await client.get<PipelineRunObject>(resources.pipelineRuns, env.namespace, run);
    expect(created?.spec?.timeouts?.pipeline).toBe('2s');
    // Tekton marks the run timed out first and its TaskRun cancelled after: on a loaded machine
    // a read in between sees the timeout alone.
    const result = await vi.waitFor(async () => {
      const status = await executor.getStatus(wfe, env.namespace);
      expect(status).toMatchObject({
        phase: 'Failed',
        reason: 'PipelineRunTimeout',
        failureReason: 'DeadlineExceeded',
        message: `PipelineRun "${run}" failed to finish within "2s"; TaskRun ${run}-work (pipeline task work) was cancelled`,
      });
      return status;
    }, patience);
    expect(result).not.toHaveProperty('exitCode');
  });
});
