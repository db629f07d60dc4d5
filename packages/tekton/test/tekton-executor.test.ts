import {
  ConfigurationError,
  executionResourceName,
  kubernautConventions,
  PreviousExecutionNotCleanedError,
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
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it } from 'vitest';
import { addTaskRun, makeExecution, setPipelineRunStatus, setTaskRunStatus } from './drive.js';

type PipelineRunObject = KubeObject & { spec?: { status?: string } };

describeWithControlPlane('TektonExecutor against a real API server', () => {
  const env = useTestNamespace();
  let client: KubeClient;
  let executor: TektonExecutor;

  beforeAll(async () => {
    await env.installTektonCrds();
    client = new KubeClient(env.kubeConfig);
    executor = new TektonExecutor(client);
  });

  const getRun = (name: string) =>
    client.get<PipelineRunObject>(resources.pipelineRuns, env.namespace, name);

  it('creates the PipelineRun the builder describes, named for the lock', async () => {
    const wfe = makeExecution({ spec: { executionConfig: { timeout: '45m' } } });
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
    expect(await getRun(resourceName)).toMatchObject(expected);
  });

  it('writes no engine label with the kubernaut preset', async () => {
    const kubernaut = new TektonExecutor(client, { conventions: kubernautConventions });
    const wfe = makeExecution();
    const { resourceName } = await kubernaut.create(wfe, env.namespace);
    const labels = (await getRun(resourceName))?.metadata?.labels ?? {};
    expect(Object.keys(labels).sort()).toEqual([
      'kubernaut.ai/source-namespace',
      'kubernaut.ai/target-resource',
      'kubernaut.ai/workflow-execution',
      'kubernaut.ai/workflow-id',
    ]);
  });

  it('maps every Succeeded condition it reads from the server', async () => {
    const wfe = makeExecution();
    const { resourceName } = await executor.create(wfe, env.namespace);
    expect(await executor.getStatus(wfe, env.namespace)).toMatchObject({
      phase: 'Running',
      reason: 'Pending',
      message: 'Pipeline created, waiting for Tekton to start execution',
      summary: { status: 'Unknown' },
    });
    const cases = [
      ['Unknown', 'Started', 'Running'],
      ['Unknown', 'Running', 'Running'],
      ['Unknown', 'PipelineRunPending', 'Running'],
      ['Unknown', 'PipelineRunStopping', 'Running'],
      ['Unknown', 'CancelledRunningFinally', 'Running'],
      ['True', 'Succeeded', 'Completed'],
      ['True', 'Completed', 'Completed'],
      ['False', 'Failed', 'Failed'],
      ['False', 'PipelineRunTimeout', 'Failed'],
      ['False', 'Cancelled', 'Failed'],
      ['False', 'CancelledRunningFinally', 'Failed'],
      ['False', 'StoppedRunningFinally', 'Failed'],
      ['False', 'CouldntGetPipeline', 'Failed'],
    ] as const;
    for (const [status, reason, phase] of cases) {
      await setPipelineRunStatus(client, env.namespace, resourceName, {
        status,
        reason,
        message: `condition ${reason}`,
      });
      const result = await executor.getStatus(wfe, env.namespace);
      expect(result, `${status}/${reason}`).toMatchObject({
        phase,
        reason,
        message: status === 'Unknown' ? `Pipeline executing (${reason})` : `condition ${reason}`,
        summary: { status, reason },
      });
    }
  });

  it('counts child TaskRuns and names the failed TaskRun and step', async () => {
    const wfe = makeExecution();
    const { resourceName: run } = await executor.create(wfe, env.namespace);
    const tasks = ['build', 'test', 'deploy'];
    const running = { status: 'Unknown', reason: 'Running' } as const;
    await setPipelineRunStatus(client, env.namespace, run, running, tasks);
    await addTaskRun(client, env.namespace, run, 'build', 'True', [
      { name: 'compile', exitCode: 0, reason: 'Completed' },
    ]);
    const test = await addTaskRun(client, env.namespace, run, 'test', 'Unknown');
    expect((await executor.getStatus(wfe, env.namespace))?.summary).toMatchObject({
      status: 'Unknown',
      completedTasks: 1,
      totalTasks: 3,
    });

    await setTaskRunStatus(client, env.namespace, test, 'False', [
      { name: 'unit', exitCode: 0, reason: 'Completed' },
      { name: 'lint', exitCode: 3, reason: 'Error' },
    ]);
    const message = 'Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1';
    await setPipelineRunStatus(
      client,
      env.namespace,
      run,
      { status: 'False', reason: 'Failed', message },
      tasks,
    );
    expect(await executor.getStatus(wfe, env.namespace)).toEqual({
      phase: 'Failed',
      reason: 'Failed',
      message: `${message}; TaskRun ${test} (pipeline task test) failed: step lint exited with code 3 (Error)`,
      summary: { status: 'False', reason: 'Failed', message, completedTasks: 1, totalTasks: 3 },
      failureReason: 'TaskFailed',
      exitCode: 3,
      failedTaskName: test,
    });
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

    await setPipelineRunStatus(client, env.namespace, first.resourceName, {
      status: 'True',
      reason: 'Succeeded',
    });
    await expect(executor.create(other, env.namespace)).rejects.toBeInstanceOf(
      PreviousExecutionNotCleanedError,
    );
  });

  it('cancels by setting spec.status, visibly on the server', async () => {
    const wfe = makeExecution();
    const { resourceName } = await executor.create(wfe, env.namespace);
    const modes = [
      [undefined, 'Cancelled'],
      ['cancel', 'CancelledRunFinally'],
      ['stop', 'StoppedRunFinally'],
    ] as const;
    for (const [graceful, specStatus] of modes) {
      expect(await executor.cancel(wfe, env.namespace, graceful ? { graceful } : {})).toBe(true);
      expect((await getRun(resourceName))?.spec?.status, String(graceful)).toBe(specStatus);
    }
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
    class RacingClient extends KubeClient {
      override async patch<T extends KubeObject>(
        type: ResourceType,
        namespace: string | undefined,
        name: string,
        patch: unknown,
        options?: PatchOptions,
      ): Promise<T> {
        await executor.cleanup(owner, env.namespace);
        await expect.poll(() => getRun(name)).toBeNull();
        await executor.create(other, env.namespace);
        return super.patch<T>(type, namespace, name, patch, options);
      }
    }
    const racing = new TektonExecutor(new RacingClient(env.kubeConfig));
    const { resourceName } = await racing.create(owner, env.namespace);
    expect(await racing.cancel(owner, env.namespace)).toBe(false);
    const run = await getRun(resourceName);
    expect(run?.metadata?.labels?.['roundhouse.dev/workflow-execution']).toBe(other.metadata.name);
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

  it('rejects a bad timeout naming the field, creating nothing', async () => {
    const wfe: WorkflowExecution = makeExecution({ spec: { executionConfig: { timeout: '0s' } } });
    const create = executor.create(wfe, env.namespace);
    await expect(create).rejects.toBeInstanceOf(ConfigurationError);
    await expect(create).rejects.toMatchObject({
      issues: [{ path: 'spec.executionConfig.timeout' }],
    });
    expect(await executor.getStatus(wfe, env.namespace)).toBeNull();
  });
});
