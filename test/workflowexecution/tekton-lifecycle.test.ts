import { parseWorkflowExecution, Registry, roundhouseConventions } from '@roundhouse/core';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { buildPipelineRun, defaultPipelineName, TektonExecutor } from '@roundhouse/tekton';
import {
  describeWithoutTekton,
  describeWithTekton,
  useTestNamespace,
} from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import {
  type Bundles,
  prepareNamespace,
  pushWorkflows,
} from '../../packages/tekton/test/tekton.js';
import {
  apply,
  manifest,
  patience,
  type RunningController,
  read,
  startController,
  waitForPhase,
} from './harness.js';

describeWithTekton('WorkflowExecution controller with the tekton engine and real Tekton', () => {
  const env = useTestNamespace({ prefix: 'wfe-tekton' });
  let executionNamespace: string;
  let controller: RunningController;
  let bundles: Bundles;
  const client = () => new KubeClient(env.kubeConfig);

  beforeAll(async () => {
    executionNamespace = await env.controlPlane.createNamespace('wfe-tekton-exec');
    await prepareNamespace(client(), executionNamespace);
    bundles = await pushWorkflows(env);
    controller = await startController({
      kubeConfig: env.kubeConfig,
      registry: (reader) => new Registry().register(new TektonExecutor(client(), { reader })),
      watchNamespace: env.namespace,
      executionNamespace,
      policy: { bundles: [`${env.tekton.registry}/*`] },
    });
  });

  afterAll(async () => controller?.stop());

  it('runs a workflow from its bundle to Completed', async () => {
    const wfe = await apply(
      client(),
      env.namespace,
      manifest({ engine: 'tekton', bundle: bundles.succeeds, parameters: { REPLICAS: '2' } }),
    );
    const done = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Completed');
    expect(done.status?.executionStatus).toMatchObject({
      status: 'True',
      reason: 'Succeeded',
      completedTasks: 2,
      totalTasks: 2,
    });
  });

  it('reports the failed task and the exit code of the step that failed', async () => {
    const wfe = await apply(
      client(),
      env.namespace,
      manifest({ engine: 'tekton', bundle: bundles.failsInLint, parameters: { REPLICAS: '2' } }),
    );
    const failed = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Failed');
    const run = failed.status?.executionRef?.name;
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'TaskFailed',
      exitCode: 3,
      failedTaskName: `${run}-test`,
      failedTaskIndex: 1,
      failedStepName: 'lint',
      wasExecutionFailure: true,
    });
    expect(failed.status?.failureDetails?.naturalLanguageSummary).toContain('Reason: TaskFailed');
    expect(failed.status?.failureDetails?.message).toContain('step lint exited with code 3');
  });

  it('fails a run past spec.executionConfig.timeout as DeadlineExceeded, with no exit code', async () => {
    const wfe = await apply(
      client(),
      env.namespace,
      manifest({
        engine: 'tekton',
        bundle: bundles.holds,
        parameters: { REPLICAS: '2' },
        timeout: '2s',
      }),
    );
    const failed = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'DeadlineExceeded',
      wasExecutionFailure: true,
    });
    expect(failed.status?.failureDetails).not.toHaveProperty('exitCode');
    expect(failed.status?.executionStatus?.reason).toBe('PipelineRunTimeout');
  });

  it('IT-WE-190-001: fails a second execution on a target whose PipelineRun another holds as Deduplicated, naming it', async () => {
    const target = 'prod/deployment/tekton-locked';
    const held = manifest({
      engine: 'tekton',
      bundle: bundles.holds,
      parameters: { REPLICAS: '1' },
      target,
      timeout: '1m',
    });
    const first = await apply(client(), env.namespace, held);
    await waitForPhase(client(), env.namespace, first.metadata.name, 'Running');
    const second = await apply(
      client(),
      env.namespace,
      manifest({ engine: 'tekton', bundle: bundles.holds, parameters: { REPLICAS: '1' }, target }),
    );
    const failed = await waitForPhase(client(), env.namespace, second.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'Deduplicated',
      wasExecutionFailure: false,
    });
    expect(failed.status?.deduplicatedBy).toBe(first.metadata.name);
    expect(
      await read(client(), env.namespace, first.metadata.name).then((w) => w?.status?.phase),
    ).toBe('Running');
  });

  it('BR-WE-007: fails an execution whose PipelineRun someone deleted as ExecutionResourceDeleted', async () => {
    const wfe = await apply(
      client(),
      env.namespace,
      manifest({
        engine: 'tekton',
        bundle: bundles.holds,
        parameters: { REPLICAS: '1' },
        timeout: '1m',
      }),
    );
    const running = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Running');
    const run = running.status?.executionRef?.name as string;
    await client().delete(resources.pipelineRuns, executionNamespace, run, {
      propagationPolicy: 'Background',
    });
    const failed = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'ExecutionResourceDeleted',
      wasExecutionFailure: false,
    });
    expect(failed.status?.failureDetails?.message).toContain('deleted');
  });

  it('BR-WE-010: deletes the PipelineRun of an execution another writer marked Completed once the cooldown is over', async () => {
    const watchNamespace = await env.controlPlane.createNamespace('wfe-tekton-cool');
    const coolNamespace = await env.controlPlane.createNamespace('wfe-tekton-cool-exec');
    await prepareNamespace(client(), coolNamespace);
    const cooling = await startController({
      kubeConfig: env.kubeConfig,
      registry: (reader) => new Registry().register(new TektonExecutor(client(), { reader })),
      watchNamespace,
      executionNamespace: coolNamespace,
      policy: { bundles: [`${env.tekton.registry}/*`] },
      cooldownMs: 3_000,
    });
    try {
      const wfe = await apply(
        client(),
        watchNamespace,
        manifest({
          engine: 'tekton',
          bundle: bundles.holds,
          parameters: { REPLICAS: '1' },
          timeout: '1m',
        }),
      );
      const running = await waitForPhase(client(), watchNamespace, wfe.metadata.name, 'Running');
      const run = running.status?.executionRef?.name as string;
      await client().patch(
        workflowExecutions,
        watchNamespace,
        wfe.metadata.name,
        { status: { phase: 'Completed', completionTime: new Date().toISOString() } },
        { subresource: 'status' },
      );
      expect(await client().get(resources.pipelineRuns, coolNamespace, run)).not.toBeNull();
      await vi.waitFor(async () => {
        expect(await client().get(resources.pipelineRuns, coolNamespace, run)).toBeNull();
        const current = await read(client(), watchNamespace, wfe.metadata.name);
        expect(current?.status?.conditions?.find((c) => c.type === 'LockReleased')?.status).toBe(
          'True',
        );
      }, patience);
    } finally {
      await cooling.stop();
    }
  });

  it("never adopts a PipelineRun someone created under the lock's name without the execution's uid", async () => {
    const written = manifest({
      engine: 'tekton',
      bundle: bundles.succeeds,
      parameters: { REPLICAS: '2' },
    });
    // Everything the controller would write but the uid, which nobody knows before the
    // WorkflowExecution exists: a squatter's run whose result must not become the execution's.
    const squatted = buildPipelineRun(
      parseWorkflowExecution({
        ...written,
        metadata: { ...written.metadata, namespace: env.namespace },
      }),
      executionNamespace,
      undefined,
      {
        conventions: roundhouseConventions,
        pipelineName: defaultPipelineName,
        serviceAccountName: roundhouseConventions.defaultServiceAccountName,
      },
    );
    // Held pending, so Tekton never finishes it and it keeps the lock for the whole test.
    const { object: created } = await client().create<KubeObject>(
      resources.pipelineRuns,
      executionNamespace,
      {
        ...squatted,
        spec: { ...squatted.spec, status: 'PipelineRunPending' },
      },
    );
    const wfe = await apply(client(), env.namespace, written);
    const failed = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Failed');
    // Its labels name this execution, but nothing vouches for them: no holder is named, and a
    // lock with no holder to follow is Unknown, as in kubernaut.
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'Unknown',
      message: expect.stringContaining(`${squatted.metadata.name} already exists`),
    });
    expect(failed.status?.failureDetails?.message).not.toContain(
      `${env.namespace}/${wfe.metadata.name}`,
    );
    expect(failed.status).not.toHaveProperty('deduplicatedBy');
    const left = await client().get(
      resources.pipelineRuns,
      executionNamespace,
      squatted.metadata.name,
    );
    expect(left?.metadata?.uid).toBe(created.metadata?.uid);
  });
});

/** Writes what the Tekton controller would: the PipelineRun's Succeeded condition. */
async function setSucceeded(
  client: KubeClient,
  namespace: string,
  name: string,
  status: string,
  reason: string,
) {
  await client.patch(
    resources.pipelineRuns,
    namespace,
    name,
    {
      status: {
        conditions: [
          {
            type: 'Succeeded',
            status,
            reason,
            message: `${reason} (set by the test)`,
            lastTransitionTime: new Date().toISOString(),
          },
        ],
      },
    },
    { subresource: 'status' },
  );
}

/** The quick fallback without real Tekton: the test plays its controller over the test-only CRDs. */
describeWithoutTekton('WorkflowExecution controller with the tekton engine (simulated)', () => {
  const env = useTestNamespace({ prefix: 'wfe-tekton' });
  let executionNamespace: string;
  let controller: RunningController;
  const client = () => new KubeClient(env.kubeConfig);

  beforeAll(async () => {
    await env.installTektonCrds();
    executionNamespace = await env.controlPlane.createNamespace('wfe-tekton-exec');
    controller = await startController({
      kubeConfig: env.kubeConfig,
      registry: new Registry().register(new TektonExecutor(client())),
      watchNamespace: env.namespace,
      executionNamespace,
      resyncMs: 600_000,
    });
  });

  afterAll(async () => controller?.stop());

  it('follows a PipelineRun to Completed as its status changes', async () => {
    const wfe = await apply(client(), env.namespace, manifest({ engine: 'tekton' }));
    const running = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Running');
    const run = running.status?.executionRef?.name as string;
    await setSucceeded(client(), executionNamespace, run, 'Unknown', 'Running');
    await setSucceeded(client(), executionNamespace, run, 'True', 'Succeeded');
    const done = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Completed');
    expect(done.status?.executionStatus?.status).toBe('True');
  });

  it('classifies a timed-out PipelineRun as DeadlineExceeded', async () => {
    const wfe = await apply(client(), env.namespace, manifest({ engine: 'tekton' }));
    const running = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Running');
    await setSucceeded(
      client(),
      executionNamespace,
      running.status?.executionRef?.name as string,
      'False',
      'PipelineRunTimeout',
    );
    const failed = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'DeadlineExceeded',
      wasExecutionFailure: true,
    });
  });
});
