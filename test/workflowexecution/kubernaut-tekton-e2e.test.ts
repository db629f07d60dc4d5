import { kubernautConventions, Registry } from '@roundhouse/core';
import { type KubeObject, resources } from '@roundhouse/kube';
import { TektonExecutor } from '@roundhouse/tekton';
import { describeWithTekton } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it } from 'vitest';
import {
  type Bundles,
  prepareNamespace,
  pushWorkflows,
} from '../../packages/tekton/test/tekton.js';
import { useController } from './controller-fixture.js';
import { condition, type Manifest, manifest } from './harness.js';
import { createDependencies, expectKubernautCompletion, kubernautShaped } from './kubernaut-e2e.js';

/*
 * kubernaut's tekton E2E cases (test/e2e/workflowexecution/01_lifecycle_test.go,
 * 02_observability_test.go and 04_dependency_injection_test.go at d5a4a87) through a controller
 * with the kubernaut preset and real Tekton: the PipelineRuns are found by
 * `kubernaut.ai/workflow-execution`, as those tests find them. Its AuditRecorded condition is a
 * deliberate difference (see docs/conventions.md).
 */
type PipelineRunObject = KubeObject & {
  spec: {
    workspaces?: { name: string; secret?: { secretName: string }; configMap?: { name: string } }[];
  };
};

describeWithTekton('kubernaut tekton E2E cases under the kubernaut preset', () => {
  const cluster = useController('wfe-kn-tekton');
  const { env, client } = cluster;
  let bundles: Bundles;

  beforeAll(async () => {
    await prepareNamespace(client(), cluster.executionNamespace);
    await createDependencies(client(), cluster.executionNamespace, {
      secret: 'db',
      configMap: 'settings',
    });
    bundles = await pushWorkflows(env);
    await cluster.start({
      registry: (reader) =>
        new Registry().register(
          new TektonExecutor(client(), { conventions: kubernautConventions, reader }),
        ),
      // kubernaut reads no opt-in on its dependencies.
      policy: { bundles: [`${env.tekton.registry}/*`], dependencyOptIn: false },
    });
  });

  /** kubernaut's createTestWFE: the engine and its dependencies on workflowRef. */
  const kubernautExecution = (
    bundle: string,
    dependencies?: { secrets?: { name: string }[]; configMaps?: { name: string }[] },
  ): Manifest =>
    kubernautShaped(manifest({ bundle, parameters: { REPLICAS: '1' } }), 'tekton', {
      dependencies,
    });

  const pipelineRunsOf = async (wfeName: string) => {
    const { items } = await client().list<PipelineRunObject>(
      resources.pipelineRuns,
      cluster.executionNamespace,
      { labelSelector: `kubernaut.ai/workflow-execution=${wfeName}` },
    );
    return items;
  };

  it('BR-WE-001 / BR-WE-003 / E2E-WE-163-001: runs to Completed with the summary, times and conditions kubernaut checks', async () => {
    const wfe = await cluster.apply(kubernautExecution(bundles.succeeds));
    // Its tasks end at once here, so Running may pass between two reads: executionRef stays.
    const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    expect(done.status?.executionRef?.name).toBeTruthy();
    const summary = done.status?.executionStatus;
    expect(summary).toMatchObject({ status: 'True', reason: 'Succeeded' });
    expect(summary?.message).toBeTruthy();
    expect(summary?.totalTasks).toBeGreaterThanOrEqual(1);
    expect(summary?.completedTasks).toBeGreaterThanOrEqual(1);
    expectKubernautCompletion(done);
  });

  it('BR-WE-004 / E2E-WE-163-002: a failed task gives actionable failure details and ExecutionComplete False, TaskFailed', async () => {
    const wfe = await cluster.apply(kubernautExecution(bundles.failsInLint));
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    const details = failed.status?.failureDetails;
    expect(details?.message).toBeTruthy();
    expect(details?.failedTaskName).toBeTruthy();
    expect([
      'OOMKilled',
      'DeadlineExceeded',
      'Forbidden',
      'ResourceExhausted',
      'ConfigurationError',
      'ImagePullBackOff',
      'TaskFailed',
      'Unknown',
    ]).toContain(details?.reason);
    expect(details?.failedAt).toBeTruthy();
    expect(details?.naturalLanguageSummary).toBeTruthy();
    expect(condition(failed, 'ExecutionComplete')).toMatchObject({
      status: 'False',
      reason: 'TaskFailed',
    });
  });

  it('BR-WE-007: fails an execution whose PipelineRun, found by its kubernaut label, someone deleted', async () => {
    const wfe = await cluster.apply(kubernautExecution(bundles.holds));
    await cluster.waitForPhase(wfe.metadata.name, 'Running');
    const [run] = await pipelineRunsOf(wfe.metadata.name);
    expect(run).toBeDefined();
    await client().delete(
      resources.pipelineRuns,
      cluster.executionNamespace,
      run?.metadata?.name ?? '',
      {
        propagationPolicy: 'Background',
      },
    );
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails?.message).toMatch(/not found|deleted|NotFound/);
  });

  it('E2E-WE-006-004 / E2E-WE-006-006: binds a declared Secret and ConfigMap as workspaces named for them', async () => {
    const wfe = await cluster.apply(
      kubernautExecution(bundles.usesDependencies, {
        secrets: [{ name: 'db' }],
        configMaps: [{ name: 'settings' }],
      }),
    );
    // The run is kept through the cooldown; its single task ends at once here.
    await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    const runs = await pipelineRunsOf(wfe.metadata.name);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.spec.workspaces).toEqual(
      expect.arrayContaining([
        { name: 'secret-db', secret: { secretName: 'db' } },
        { name: 'configmap-settings', configMap: { name: 'settings' } },
      ]),
    );
  });
});
