import { kubernautConventions, roundhouseConventions } from '@roundhouse/core';
import { KubeClient, resources } from '@roundhouse/kube';
import { TektonExecutor } from '@roundhouse/tekton';
import { describeWithoutTekton, useTestNamespace } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it } from 'vitest';
import { kubernautFailureCases } from '../src/kubernaut-failure-cases.test-support.js';
import { addTaskRun, makeExecution, setPipelineRunStatus, setTaskRunStatus } from './drive.js';

/**
 * The quick fallback for runs without real Tekton (ROUNDHOUSE_TESTENV_TEKTON=off, or no Go on a
 * developer machine): the test-only CRDs, with the tests playing Tekton's controller. With real
 * Tekton these are skipped: its controller owns the statuses, and tekton-runs.test.ts checks
 * what it really writes.
 */
describeWithoutTekton('TektonExecutor over the test-only CRDs', () => {
  const env = useTestNamespace();
  let client: KubeClient;
  let executor: TektonExecutor;

  beforeAll(async () => {
    await env.installTektonCrds();
    client = new KubeClient(env.kubeConfig);
    executor = new TektonExecutor(client);
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
    // `deploy` runs after `test`, which fails: Tekton skips it and never lists it as a child.
    const tasks = ['build', 'test'];
    const running = { status: 'Unknown', reason: 'Running' } as const;
    await setPipelineRunStatus(client, env.namespace, run, running, tasks);
    await addTaskRun(client, env.namespace, run, 'build', 'True', [
      { name: 'compile', exitCode: 0, reason: 'Completed' },
    ]);
    // Without Tekton's label: read by name, as the PipelineRun names it.
    const test = await addTaskRun(client, env.namespace, run, 'test', 'Unknown', [], {
      labelled: false,
    });
    expect((await executor.getStatus(wfe, env.namespace))?.summary).toMatchObject({
      status: 'Unknown',
      completedTasks: 1,
      totalTasks: 2,
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
      summary: { status: 'False', reason: 'Failed', message, completedTasks: 1, totalTasks: 2 },
      failureReason: 'TaskFailed',
      exitCode: 3,
      failedTaskName: test,
      failedTaskIndex: 1,
      failedStepName: 'lint',
      started: true,
    });
  });

  it("classifies kubernaut's failure_classification_integration_test.go cases as kubernaut does with its preset", async () => {
    for (const [reason, message, started, kubernaut, roundhouse] of kubernautFailureCases) {
      for (const [conventions, failureReason] of [
        [kubernautConventions, kubernaut],
        [roundhouseConventions, roundhouse],
      ] as const) {
        const preset = new TektonExecutor(client, { conventions });
        const wfe = makeExecution();
        const { resourceName } = await preset.create(wfe, env.namespace);
        await setPipelineRunStatus(client, env.namespace, resourceName, {
          status: 'False',
          reason,
          message,
        });
        if (started) {
          await client.patch(
            resources.pipelineRuns,
            env.namespace,
            resourceName,
            { status: { startTime: new Date().toISOString() } },
            { subresource: 'status' },
          );
        }
        const result = await preset.getStatus(wfe, env.namespace);
        const what = `${reason} under ${conventions.labelPrefix}`;
        expect(result, what).toMatchObject({ phase: 'Failed', reason, message, started });
        expect(result?.failureReason, what).toBe(failureReason);
      }
    }
  });
});
