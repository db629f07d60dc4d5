import {
  type Dependencies,
  executionResourceName,
  kubernautConventions,
  ResourceLockedError,
  type WorkflowExecution,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { type KubeObject, resources } from '@roundhouse/kube';
import { MemoryKubeClient } from '@roundhouse/kube/testing';
import { describe, expect, it } from 'vitest';
import { TektonExecutor } from './tekton-executor.js';

/*
 * kubernaut's TektonExecutor cases (test/unit/workflowexecution/executor_test.go at 05af3c6,
 * the same at d5a4a87) with the kubernaut preset. kubernaut's tests put bare PipelineRuns into
 * a fake client; here the engine creates them (with the labels that make them this
 * execution's) and the test writes their status, as Tekton's controller would.
 */

const executionNamespace = 'kubernaut-workflows';

type Param = { name: string; value: string };
type StoredRun = KubeObject & {
  spec: {
    pipelineRef: { resolver: string; params: Param[] };
    params: Param[];
    workspaces?: { name: string; secret?: { secretName: string }; configMap?: { name: string } }[];
    taskRunTemplate: { serviceAccountName?: string };
  };
  status?: object;
};

/** kubernaut's newTestWFE: a tekton execution on `target` with `parameters`. */
function kubernautExecution(
  name: string,
  target: string,
  options: { namespace?: string; workflowId?: string; parameters?: Record<string, string> } = {},
): WorkflowExecution {
  return sampleExecution({
    name,
    namespace: options.namespace ?? 'default',
    spec: {
      workflowRef: {
        workflowId: options.workflowId ?? 'restart-deployment',
        version: '1.0.0',
        executionBundle: 'ghcr.io/kubernaut/workflows/restart:v1.0.0',
      },
      targetResource: target,
      executionEngine: 'tekton',
      parameters: options.parameters ?? {},
    },
  });
}

function tektonEngine(serviceAccountName?: string) {
  const api = new MemoryKubeClient();
  const executor = new TektonExecutor(api, {
    conventions: kubernautConventions,
    ...(serviceAccountName ? { serviceAccountName } : {}),
  });
  return {
    executor,
    run: (name: string) => api.object<StoredRun>(resources.pipelineRuns, executionNamespace, name),
    /** Writes the run's status, as Tekton's controller does. */
    setStatus: (name: string, status: object) =>
      api.setStatus(resources.pipelineRuns, executionNamespace, name, status),
  };
}

const paramsOf = (run: StoredRun | undefined) =>
  Object.fromEntries((run?.spec.params ?? []).map((p) => [p.name, p.value]));

describe("kubernaut's TektonExecutor cases", () => {
  it('UT-WE-014-060: creates a PipelineRun of the bundle through the bundles resolver, under the service account, named by the lock', async () => {
    const { executor, run } = tektonEngine('test-sa');
    const wfe = kubernautExecution('test-wfe-tekton', 'default/deployment/my-app', {
      parameters: { NAMESPACE: 'default' },
    });
    const { resourceName } = await executor.create(wfe, executionNamespace);
    expect(resourceName).toBe(executionResourceName('default/deployment/my-app'));
    const spec = run(resourceName)?.spec;
    expect(spec?.pipelineRef.resolver).toBe('bundles');
    expect(spec?.pipelineRef.params).toHaveLength(3);
    expect(spec?.pipelineRef.params).toContainEqual({
      name: 'bundle',
      value: 'ghcr.io/kubernaut/workflows/restart:v1.0.0',
    });
    expect(spec?.taskRunTemplate.serviceAccountName).toBe('test-sa');
  });

  it("UT-WE-014-061: runs under kubernaut's default service account when none is configured", async () => {
    const { executor, run } = tektonEngine();
    const wfe = kubernautExecution('test-wfe-default-sa', 'default/deployment/another-app');
    const { resourceName } = await executor.create(wfe, executionNamespace);
    expect(run(resourceName)?.spec.taskRunTemplate.serviceAccountName).toBe(
      'kubernaut-workflow-runner',
    );
  });

  it('UT-WE-014-062/063/085/086: gives every parameter as a string param and TARGET_RESOURCE, only TARGET_RESOURCE without parameters', async () => {
    const { executor, run } = tektonEngine('test-sa');
    const withParameters = kubernautExecution('test-wfe-params', 'default/deployment/param-app', {
      parameters: { NAMESPACE: 'default', REPLICAS: '3', IMAGE: 'nginx:latest' },
    });
    const { resourceName } = await executor.create(withParameters, executionNamespace);
    expect(paramsOf(run(resourceName))).toEqual({
      NAMESPACE: 'default',
      REPLICAS: '3',
      IMAGE: 'nginx:latest',
      TARGET_RESOURCE: 'default/deployment/param-app',
    });
    const without = kubernautExecution('test-wfe-no-params', 'default/deployment/no-param-app');
    const bare = await executor.create(without, executionNamespace);
    expect(run(bare.resourceName)?.spec.params).toEqual([
      { name: 'TARGET_RESOURCE', value: 'default/deployment/no-param-app' },
    ]);
  });

  it('UT-WE-014-064/087: labels the run with the execution, workflow, source namespace and target, and keeps the raw target in an annotation', async () => {
    const { executor, run } = tektonEngine('test-sa');
    const wfe = kubernautExecution('test-wfe-labels', 'prod-ns/deployment/api-server', {
      namespace: 'prod-ns',
      workflowId: 'scale-up',
    });
    const { resourceName } = await executor.create(wfe, executionNamespace);
    const metadata = run(resourceName)?.metadata;
    expect(metadata?.labels).toMatchObject({
      'kubernaut.ai/workflow-execution': 'test-wfe-labels',
      'kubernaut.ai/workflow-id': 'scale-up',
      'kubernaut.ai/source-namespace': 'prod-ns',
      'kubernaut.ai/target-resource': 'prod-ns__deployment__api-server',
    });
    expect(metadata?.annotations).toMatchObject({
      'kubernaut.ai/target-resource': 'prod-ns/deployment/api-server',
    });
  });

  it('UT-WE-014-088: a target longer than a label keeps a label of at most 63 characters', async () => {
    const { executor, run } = tektonEngine('test-sa');
    const target =
      'very-long-namespace/deployment/very-long-deployment-name-that-exceeds-sixty-three-chars';
    const wfe = kubernautExecution('test-wfe-label-truncate', target);
    const { resourceName } = await executor.create(wfe, executionNamespace);
    const label = run(resourceName)?.metadata?.labels?.['kubernaut.ai/target-resource'] ?? '';
    expect(label.length).toBeGreaterThan(0);
    expect(label.length).toBeLessThanOrEqual(63);
  });

  it("UT-WE-014-065: a second create on the target fails saying the run already exists while another execution's run holds it; the same execution's adopts its own", async () => {
    const { executor } = tektonEngine('test-sa');
    const wfe = kubernautExecution('test-wfe-dup', 'default/deployment/dup-app');
    const { resourceName } = await executor.create(wfe, executionNamespace);
    const other = kubernautExecution('test-wfe-dup-2', 'default/deployment/dup-app');
    const refused = executor.create(other, executionNamespace);
    await expect(refused).rejects.toThrow(ResourceLockedError);
    await expect(refused).rejects.toThrow(
      `execution resource ${resourceName} already exists: it is held by WorkflowExecution default/test-wfe-dup, which is still running`,
    );
    // kubernaut's own second create fails too, and its controller then adopts the run by its
    // labels (HandleAlreadyExists); Roundhouse's create does that itself.
    expect(await executor.create(wfe, executionNamespace)).toMatchObject({
      resourceName,
      adoptedKind: 'PipelineRun',
    });
  });

  it('UT-WE-014-070..073/075: reads the Succeeded condition as kubernaut does, with the child count as totalTasks', async () => {
    const { executor, setStatus } = tektonEngine('test-sa');
    const wfe = kubernautExecution('test-wfe-status', 'default/deployment/status-app');
    const { resourceName } = await executor.create(wfe, executionNamespace);
    const read = () =>
      executor.getStatus(
        { ...wfe, status: { executionRef: { name: resourceName } } },
        'kubernaut-workflows',
      );
    const condition = (status: string, reason: string, message: string) => ({
      conditions: [{ type: 'Succeeded', status, reason, message }],
    });

    setStatus(resourceName, {});
    expect(await read()).toMatchObject({
      phase: 'Running',
      reason: 'Pending',
      message: 'Pipeline created, waiting for Tekton to start execution',
    });

    setStatus(resourceName, condition('Unknown', 'Running', 'Tasks Completed: 1 (Incomplete)'));
    expect(await read()).toMatchObject({
      phase: 'Running',
      reason: 'Running',
      message: 'Pipeline executing (Running)',
    });

    setStatus(resourceName, {
      ...condition('True', 'Succeeded', 'All tasks completed'),
      // kubernaut's children: a name and nothing else.
      childReferences: [{ name: 'task-1' }, { name: 'task-2' }, { name: 'task-3' }],
    });
    expect(await read()).toMatchObject({
      phase: 'Completed',
      reason: 'Succeeded',
      message: 'All tasks completed',
      summary: { status: 'True', reason: 'Succeeded', totalTasks: 3 },
    });

    setStatus(resourceName, condition('False', 'PipelineRunFailed', "Task 'validate' failed"));
    expect(await read()).toMatchObject({
      phase: 'Failed',
      reason: 'PipelineRunFailed',
      message: "Task 'validate' failed",
    });
  });

  it('UT-WE-014-074: without executionRef reads the run by its lock name (kubernaut: an error), so a start whose status write was lost is still found', async () => {
    const { executor, setStatus } = tektonEngine('test-sa');
    const wfe = kubernautExecution('test-wfe-no-ref', 'default/deployment/no-ref-app');
    const { resourceName } = await executor.create(wfe, executionNamespace);
    setStatus(resourceName, {
      conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }],
    });
    expect(await executor.getStatus(wfe, executionNamespace)).toMatchObject({ phase: 'Running' });
  });

  it("UT-WE-014-080/081/082: deletes the execution's run, succeeds when there is none, and registers as tekton", async () => {
    const { executor, run } = tektonEngine('test-sa');
    expect(executor.engine).toBe('tekton');
    const wfe = kubernautExecution('cleanup-wfe', 'default/deployment/cleanup-app');
    const { resourceName } = await executor.create(wfe, executionNamespace);
    await executor.cleanup(wfe, executionNamespace);
    expect(run(resourceName)).toBeUndefined();
    const none = kubernautExecution('none', 'default/deployment/nonexistent');
    await expect(executor.cleanup(none, executionNamespace)).resolves.toBeUndefined();
  });

  it('UT-WE-006-024..027: binds each Secret and ConfigMap dependency as a workspace, Secrets first, and none without dependencies', async () => {
    const { executor, run } = tektonEngine('test-sa');
    const workspaces = async (target: string, dependencies?: Dependencies) => {
      const wfe = kubernautExecution('test-wfe-tekton-deps', target);
      const { resourceName } = await executor.create(wfe, executionNamespace, {
        ...(dependencies ? { dependencies } : {}),
      });
      return run(resourceName)?.spec.workspaces ?? [];
    };
    const secret = { name: 'secret-gitea-repo-creds', secret: { secretName: 'gitea-repo-creds' } };
    const configMap = {
      name: 'configmap-remediation-config',
      configMap: { name: 'remediation-config' },
    };
    expect(
      await workspaces('default/deployment/secret-app', {
        secrets: [{ name: 'gitea-repo-creds' }],
      }),
    ).toEqual([secret]);
    expect(
      await workspaces('default/deployment/cm-app-tekton', {
        configMaps: [{ name: 'remediation-config' }],
      }),
    ).toEqual([configMap]);
    expect(await workspaces('default/deployment/nodeps-tekton')).toEqual([]);
    expect(
      await workspaces('default/deployment/both-tekton', {
        secrets: [{ name: 'gitea-repo-creds' }],
        configMaps: [{ name: 'remediation-config' }],
      }),
    ).toEqual([secret, configMap]);
  });

  it('UT-WE-243-020/021: passes only declared parameters as params when names are declared, every one when none are', async () => {
    const { executor, run } = tektonEngine('test-sa');
    const wfe = kubernautExecution('test-wfe-declared', 'default/deployment/declared-app', {
      parameters: { NAMESPACE: 'default', INJECTED: 'rm -rf' },
    });
    const names = async (declaredParameterNames?: string[]) => {
      const { resourceName } = await executor.create(wfe, executionNamespace, {
        ...(declaredParameterNames ? { declaredParameterNames } : {}),
      });
      const given = Object.keys(paramsOf(run(resourceName)));
      await executor.cleanup(wfe, executionNamespace);
      return given.sort();
    };
    expect(await names(['NAMESPACE'])).toEqual(['NAMESPACE', 'TARGET_RESOURCE']);
    expect(await names()).toEqual(['INJECTED', 'NAMESPACE', 'TARGET_RESOURCE']);
  });
});
