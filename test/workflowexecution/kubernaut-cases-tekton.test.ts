import { executionResourceName, kubernautConventions, Registry } from '@roundhouse/core';
import { type KubeObject, resources } from '@roundhouse/kube';
import { TektonExecutor } from '@roundhouse/tekton';
import { describeWithTekton } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it } from 'vitest';
import { prepareNamespace } from '../../packages/tekton/test/tekton.js';
import { useController } from './controller-fixture.js';
import { condition, type Manifest, manifest } from './harness.js';
import { createDependencies, kubernautShaped } from './kubernaut-e2e.js';

/*
 * kubernaut's controller cases on its Tekton path at d5a4a87, through a controller with the
 * kubernaut preset and real Tekton: #190's HandleAlreadyExists (UT-WE-190-005/006/007,
 * pkg/workflowexecution/controller_test.go) on a PipelineRun kubernaut's own controller made
 * (its labels, no uid annotation), and #1661's catalog snapshot: an execution runs from
 * `spec.workflowRef` alone (E2E-WE-1661-SNAPSHOT-001, UT-WE-1661-005/006,
 * UT-WE-1661-011-003/004, IT-WE-243-011).
 */
type PipelineRunObject = KubeObject & {
  spec: {
    params?: { name: string; value: string }[];
    workspaces?: unknown[];
    taskRunTemplate?: { serviceAccountName?: string };
  };
};

describeWithTekton("kubernaut's controller cases on the tekton engine", () => {
  const cluster = useController('wfe-kn-tkcase');
  const { env, client } = cluster;
  let bundle: string;
  let dependentBundle: string;

  beforeAll(async () => {
    await prepareNamespace(client(), cluster.executionNamespace);
    // kubernaut's UT-WE-1661-011-003 fixture: the workflow's own ServiceAccount.
    await client().create(resources.serviceAccounts, cluster.executionNamespace, {
      metadata: { name: 'workflow-runner-sa' },
    });
    ({ reference: bundle } = await env.tekton.pushWorkflow('kubernaut-cases/hello', 'v1', {
      params: ['TARGET_RESOURCE', 'NAMESPACE', 'CUSTOM', 'MESSAGE'],
      tasks: [{ name: 'hello' }],
    }));
    // kubernaut's UT-WE-1661-005 fixture: its dependencies and declared parameters.
    await createDependencies(client(), cluster.executionNamespace, {
      secret: 'db-creds',
      configMap: 'app-config',
    });
    ({ reference: dependentBundle } = await env.tekton.pushWorkflow(
      'kubernaut-cases/dependent',
      'v1',
      {
        params: ['TARGET_RESOURCE', 'TARGET_POD', 'NAMESPACE'],
        workspaces: ['secret-db-creds', 'configmap-app-config'],
        tasks: [{ name: 'apply' }],
      },
    ));
    await cluster.start({
      registry: (reader) =>
        new Registry().register(
          new TektonExecutor(client(), { conventions: kubernautConventions, reader }),
        ),
      cooldownMs: 60_000,
      policy: {
        bundles: [`${env.tekton.registry}/*`],
        serviceAccounts: ['workflow-runner-sa'],
        dependencyOptIn: false,
      },
    });
  });

  const tektonExecution = (target: string, name?: string): Manifest =>
    kubernautShaped(manifest({ bundle, target, ...(name ? { name } : {}) }), 'tekton');

  const pipelineRun = (name: string) =>
    client().get<PipelineRunObject>(resources.pipelineRuns, cluster.executionNamespace, name);

  /**
   * A PipelineRun under the lock name of `target` as kubernaut's executor labels it, held
   * Pending so Tekton never starts it: a run still in progress.
   */
  async function heldBy(target: string, labels: Record<string, string>) {
    const name = executionResourceName(target, kubernautConventions.namePrefix);
    await client().create<KubeObject>(resources.pipelineRuns, cluster.executionNamespace, {
      metadata: { name, labels },
      spec: { pipelineRef: { name: 'held' }, status: 'PipelineRunPending' },
    });
    return name;
  }

  it("UT-WE-190-005: a target another execution's PipelineRun holds fails Deduplicated, deduplicatedBy the name its label gives", async () => {
    const target = `${env.namespace}/deployment/app-190-005`;
    const run = await heldBy(target, {
      'kubernaut.ai/workflow-execution': 'other-wfe',
      'kubernaut.ai/source-namespace': env.namespace,
    });
    const wfe = await cluster.apply(tektonExecution(target));
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'Deduplicated',
      wasExecutionFailure: false,
    });
    expect(failed.status?.deduplicatedBy).toBe('other-wfe');
    expect(failed.status?.failureDetails?.message).toContain(
      `Execution resource ${run} already exists (target resource locked)`,
    );
    expect(condition(failed, 'ExecutionCreated')).toMatchObject({
      status: 'False',
      reason: 'ExecutionCreationFailed',
      message: 'Execution resource collision (deduplicated by other-wfe)',
    });
    // The other execution's run is left as it was.
    expect((await pipelineRun(run))?.metadata?.labels?.['kubernaut.ai/workflow-execution']).toBe(
      'other-wfe',
    );
  });

  it('UT-WE-190-006: a PipelineRun its labels give to this execution is its own: Running on it, not Deduplicated', async () => {
    const target = `${env.namespace}/deployment/app-190-006`;
    const name = 'test-wfe-006';
    const run = await heldBy(target, {
      'kubernaut.ai/workflow-execution': name,
      'kubernaut.ai/source-namespace': env.namespace,
    });
    await cluster.apply(tektonExecution(target, name));
    const running = await cluster.waitForPhase(name, 'Running');
    expect(running.status?.executionRef?.name).toBe(run);
    expect(running.status?.deduplicatedBy).toBeUndefined();
    expect(running.status?.failureDetails).toBeUndefined();
    expect(condition(running, 'ExecutionCreated')).toMatchObject({
      status: 'True',
      reason: 'ExecutionCreated',
      message: `PipelineRun ${run} already exists (race condition)`,
    });
  });

  it('UT-WE-190-007: a target held by a PipelineRun that names no execution fails Unknown, with no deduplicatedBy', async () => {
    const target = `${env.namespace}/deployment/app-190-007`;
    const run = await heldBy(target, { 'kubernaut.ai/source-namespace': env.namespace });
    const wfe = await cluster.apply(tektonExecution(target));
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails?.reason).toBe('Unknown');
    // kubernaut's words here are `PipelineRun '<name>' already exists for target resource (owner
    // label missing)`; Roundhouse says every engine's busy target alike (docs/conventions.md).
    const message = failed.status?.failureDetails?.message;
    expect(message).toContain(`Execution resource ${run} already exists (target resource locked)`);
    expect(failed.status?.deduplicatedBy).toBeUndefined();
    expect(condition(failed, 'ExecutionCreated')).toMatchObject({
      status: 'False',
      reason: 'ExecutionCreationFailed',
      message: `Failed to create PipelineRun: ${message}`,
    });
  });

  it('E2E-WE-1661-SNAPSHOT-001 / UT-WE-1661-006 / UT-WE-1661-011-003 / UT-WE-1661-011-004 / IT-WE-243-011: runs to Completed from its workflowRef snapshot alone, every parameter passed without declaredParameterNames, nothing mirrored into the status', async () => {
    const target = `${env.namespace}/deployment/snapshot-test`;
    const base = tektonExecution(target);
    // As kubernaut's RemediationOrchestrator writes it: the catalog's snapshot, no dependencies
    // and no declaredParameterNames. This controller reads no RemediationWorkflow (the cluster
    // serves none): nothing outside the execution is looked up again.
    const execution = {
      ...base,
      spec: {
        ...base.spec,
        remediationRequestRef: { name: `test-rr-${base.metadata.name}`, namespace: env.namespace },
        workflowRef: {
          ...base.spec.workflowRef,
          workflowId: '6f1c2d3e-0000-4000-8000-000000001661',
          workflowName: 'test-workflow',
          actionType: 'RestartPod',
          version: '1.0.0',
          serviceAccountName: 'workflow-runner-sa',
        },
        parameters: {
          NAMESPACE: 'default',
          CUSTOM: 'value',
          MESSAGE: 'E2E snapshot-isolation test message',
        },
      },
    } as Manifest;
    const wfe = await cluster.apply(execution);
    const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    const run = await pipelineRun(done.status?.executionRef?.name as string);
    const params = Object.fromEntries((run?.spec.params ?? []).map((p) => [p.name, p.value]));
    expect(params).toEqual({
      NAMESPACE: 'default',
      CUSTOM: 'value',
      MESSAGE: 'E2E snapshot-isolation test message',
      TARGET_RESOURCE: target,
    });
    // The engine and ServiceAccount are read off the snapshot, and no dependency is bound.
    expect(run?.spec.taskRunTemplate?.serviceAccountName).toBe('workflow-runner-sa');
    expect(run?.spec.workspaces).toBeUndefined();
    expect(condition(done, 'ExecutionComplete')?.status).toBe('True');
    // No status mirror of the snapshot: kubernaut removed it, and WorkflowName has no source.
    expect(done.status?.workflowName).toBeUndefined();
    expect(done.status?.executionEngine).toBeUndefined();
    expect(done.status?.serviceAccountName).toBeUndefined();
  });

  it("UT-WE-1661-005: binds the snapshot's dependencies and passes only the parameters it declares", async () => {
    const base = kubernautShaped(
      manifest({
        bundle: dependentBundle,
        target: `${env.namespace}/deployment/snapshot-dependent`,
        parameters: { TARGET_POD: 'app-0', NAMESPACE: 'default', HALLUCINATED: 'dropped' },
      }),
      'tekton',
      { dependencies: { secrets: [{ name: 'db-creds' }], configMaps: [{ name: 'app-config' }] } },
    );
    const execution = {
      ...base,
      spec: {
        ...base.spec,
        workflowRef: {
          ...base.spec.workflowRef,
          declaredParameterNames: { TARGET_POD: true, NAMESPACE: true },
        },
      },
    } as Manifest;
    const wfe = await cluster.apply(execution);
    const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    const run = await pipelineRun(done.status?.executionRef?.name as string);
    expect((run?.spec.params ?? []).map((p) => p.name).sort()).toEqual([
      'NAMESPACE',
      'TARGET_POD',
      'TARGET_RESOURCE',
    ]);
    expect(run?.spec.workspaces).toEqual([
      { name: 'secret-db-creds', secret: { secretName: 'db-creds' } },
      { name: 'configmap-app-config', configMap: { name: 'app-config' } },
    ]);
  });
});
