import { parseWorkflowExecution, Registry, roundhouseConventions } from '@roundhouse/core';
import { type KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { buildPipelineRun, defaultPipelineName, TektonExecutor } from '@roundhouse/tekton';
import { describeWithoutTekton, describeWithTekton } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it, vi } from 'vitest';
import {
  type Bundles,
  prepareNamespace,
  pushWorkflows,
} from '../../packages/tekton/test/tekton.js';
import { type ControllerSettings, useController } from './controller-fixture.js';
import { apply, condition, manifest, markEnded, patience, read, waitForPhase } from './harness.js';

describeWithTekton('WorkflowExecution controller with the tekton engine and real Tekton', () => {
  const cluster = useController('wfe-tekton');
  const { env, client } = cluster;
  let bundles: Bundles;

  /** A controller whose engine reads PipelineRuns through its cache, running the pushed bundles. */
  const startOnTekton = (settings: Partial<ControllerSettings> = {}) =>
    cluster.start({
      registry: (reader) => new Registry().register(new TektonExecutor(client(), { reader })),
      policy: { bundles: [`${env.tekton.registry}/*`] },
      ...settings,
    });

  /** An execution of the workflow in `bundle`, for `replicas` replicas. */
  const tekton = (
    bundle: string,
    replicas: string,
    overrides: Parameters<typeof manifest>[0] = {},
  ) => manifest({ engine: 'tekton', bundle, parameters: { REPLICAS: replicas }, ...overrides });

  beforeAll(async () => {
    await prepareNamespace(client(), cluster.executionNamespace);
    bundles = await pushWorkflows(env);
    await startOnTekton();
  });

  it('runs a workflow from its bundle to Completed', async () => {
    const wfe = await cluster.apply(tekton(bundles.succeeds, '2'));
    const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    expect(done.status?.executionStatus).toMatchObject({
      status: 'True',
      reason: 'Succeeded',
      completedTasks: 2,
      totalTasks: 2,
    });
  });

  it('reports the failed task and the exit code of the step that failed', async () => {
    const wfe = await cluster.apply(tekton(bundles.failsInLint, '2'));
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
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
    const wfe = await cluster.apply(tekton(bundles.holds, '2', { timeout: '2s' }));
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'DeadlineExceeded',
      wasExecutionFailure: true,
    });
    expect(failed.status?.failureDetails).not.toHaveProperty('exitCode');
    expect(failed.status?.executionStatus?.reason).toBe('PipelineRunTimeout');
  });

  it('IT-WE-190-001: fails a second execution on a target whose PipelineRun another holds as Deduplicated, naming it', async () => {
    const target = 'prod/deployment/tekton-locked';
    const first = await cluster.apply(tekton(bundles.holds, '1', { target, timeout: '1m' }));
    await cluster.waitForPhase(first.metadata.name, 'Running');
    const second = await cluster.apply(tekton(bundles.holds, '1', { target }));
    const failed = await cluster.waitForPhase(second.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'Deduplicated',
      wasExecutionFailure: false,
    });
    expect(failed.status?.deduplicatedBy).toBe(first.metadata.name);
    expect((await cluster.read(first.metadata.name))?.status?.phase).toBe('Running');
  });

  it('BR-WE-007: fails an execution whose PipelineRun someone deleted as ExecutionResourceDeleted', async () => {
    const wfe = await cluster.apply(tekton(bundles.holds, '1', { timeout: '1m' }));
    const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
    const run = running.status?.executionRef?.name as string;
    await client().delete(resources.pipelineRuns, cluster.executionNamespace, run, {
      propagationPolicy: 'Background',
    });
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
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
    await startOnTekton({ watchNamespace, executionNamespace: coolNamespace, cooldownMs: 3_000 });
    const wfe = await apply(
      client(),
      watchNamespace,
      tekton(bundles.holds, '1', { timeout: '1m' }),
    );
    const running = await waitForPhase(client(), watchNamespace, wfe.metadata.name, 'Running');
    const run = running.status?.executionRef?.name as string;
    await markEnded(client(), watchNamespace, wfe.metadata.name, 'Completed');
    expect(await client().get(resources.pipelineRuns, coolNamespace, run)).not.toBeNull();
    await vi.waitFor(async () => {
      expect(await client().get(resources.pipelineRuns, coolNamespace, run)).toBeNull();
      const current = await read(client(), watchNamespace, wfe.metadata.name);
      expect(condition(current, 'LockReleased')?.status).toBe('True');
    }, patience);
  });

  it("never adopts a PipelineRun someone created under the lock's name without the execution's uid", async () => {
    const written = tekton(bundles.succeeds, '2');
    // Everything the controller would write but the uid, which nobody knows before the
    // WorkflowExecution exists: a squatter's run whose result must not become the execution's.
    const squatted = buildPipelineRun(
      parseWorkflowExecution({
        ...written,
        metadata: { ...written.metadata, namespace: env.namespace },
      }),
      cluster.executionNamespace,
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
      cluster.executionNamespace,
      {
        ...squatted,
        spec: { ...squatted.spec, status: 'PipelineRunPending' },
      },
    );
    const wfe = await cluster.apply(written);
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
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
      cluster.executionNamespace,
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
  const cluster = useController('wfe-tekton');
  const { env, client } = cluster;

  beforeAll(async () => {
    await env.installTektonCrds();
    await cluster.start({
      registry: new Registry().register(new TektonExecutor(client())),
      resyncMs: 600_000,
    });
  });

  /** Plays Tekton: the execution's PipelineRun moves through `conditions` ([status, reason]). */
  async function runThrough(conditions: [string, string][]) {
    const wfe = await cluster.apply(manifest({ engine: 'tekton' }));
    const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
    const run = running.status?.executionRef?.name as string;
    for (const [status, reason] of conditions) {
      await setSucceeded(client(), cluster.executionNamespace, run, status, reason);
    }
    return wfe;
  }

  it('follows a PipelineRun to Completed as its status changes', async () => {
    const wfe = await runThrough([
      ['Unknown', 'Running'],
      ['True', 'Succeeded'],
    ]);
    const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    expect(done.status?.executionStatus?.status).toBe('True');
  });

  it('classifies a timed-out PipelineRun as DeadlineExceeded', async () => {
    const wfe = await runThrough([['False', 'PipelineRunTimeout']]);
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'DeadlineExceeded',
      wasExecutionFailure: true,
    });
  });
});
