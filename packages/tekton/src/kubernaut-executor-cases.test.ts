import {
  ConfigurationError,
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

/** The execution with `executionRef` set to the run its create returned, as the controller records it. */
const recordedRun = (wfe: WorkflowExecution, name: string): WorkflowExecution => ({
  ...wfe,
  status: { executionRef: { name } },
});

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

  it('UT-WE-014-062 / UT-WE-014-063 / UT-WE-014-085 / UT-WE-014-086: gives every parameter as a string param and TARGET_RESOURCE, only TARGET_RESOURCE without parameters', async () => {
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

  it('UT-WE-014-064 / UT-WE-014-087: labels the run with the execution, workflow, source namespace and target, and keeps the raw target in an annotation', async () => {
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

  it("a run kubernaut's own executor built for this execution (its labels, no uid annotation) before the execution started is adopted, as kubernaut's conflict_test expects", async () => {
    const wfe = kubernautExecution('external-pr', 'test-namespace/deployment/external-pr-test');
    const name = executionResourceName('test-namespace/deployment/external-pr-test');
    const api = new MemoryKubeClient();
    const executor = new TektonExecutor(api, { conventions: kubernautConventions });
    // kubernaut's BuildPipelineRun writes these labels and the target annotation, nothing else.
    api.put(resources.pipelineRuns, executionNamespace, {
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: {
        name,
        namespace: executionNamespace,
        labels: {
          'kubernaut.ai/workflow-execution': 'external-pr',
          'kubernaut.ai/workflow-id': 'restart-deployment',
          'kubernaut.ai/target-resource': 'test-namespace__deployment__external-pr-test',
          'kubernaut.ai/source-namespace': 'default',
        },
        annotations: {
          'kubernaut.ai/target-resource': 'test-namespace/deployment/external-pr-test',
        },
      },
      spec: {},
    });
    expect(await executor.create(wfe, executionNamespace)).toMatchObject({
      resourceName: name,
      adoptedKind: 'PipelineRun',
    });
  });

  it('UT-WE-014-070 / UT-WE-014-071 / UT-WE-014-072 / UT-WE-014-073 / UT-WE-014-075: reads the Succeeded condition as kubernaut does, with the child count as totalTasks', async () => {
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

  it("UT-WE-014-080 / UT-WE-014-081 / UT-WE-014-082: deletes the execution's run, succeeds when there is none, and registers as tekton", async () => {
    const { executor, run } = tektonEngine('test-sa');
    expect(executor.engine).toBe('tekton');
    const wfe = kubernautExecution('cleanup-wfe', 'default/deployment/cleanup-app');
    const { resourceName } = await executor.create(wfe, executionNamespace);
    await executor.cleanup(wfe, executionNamespace);
    expect(run(resourceName)).toBeUndefined();
    const none = kubernautExecution('none', 'default/deployment/nonexistent');
    await expect(executor.cleanup(none, executionNamespace)).resolves.toBeUndefined();
  });

  it('UT-WE-006-024 / UT-WE-006-025 / UT-WE-006-026 / UT-WE-006-027: binds each Secret and ConfigMap dependency as a workspace, Secrets first, and none without dependencies', async () => {
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

  it('UT-WE-243-020 / UT-WE-243-021: passes only declared parameters as params when names are declared, every one when none are', async () => {
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

  it("IT-WE-243-010 / IT-WE-243-011: passes only the parameters the spec's workflowRef.declaredParameterNames declares, every one without it", async () => {
    const { executor, run } = tektonEngine('test-sa');
    const paramNames = async (declaredParameterNames?: Record<string, boolean>) => {
      const base = kubernautExecution('pf-tekton', 'default/deployment/pf-tekton-app', {
        parameters: { NAMESPACE: 'default', REPLICAS: '3', HALLUCINATED: 'should-be-stripped' },
      });
      const wfe = sampleExecution({
        ...base,
        spec: {
          ...base.spec,
          workflowRef: {
            ...base.spec.workflowRef,
            ...(declaredParameterNames ? { declaredParameterNames } : {}),
          },
        },
      });
      const { resourceName } = await executor.create(wfe, executionNamespace);
      const given = run(resourceName)?.spec.params.map((p) => p.name);
      await executor.cleanup(wfe, executionNamespace);
      return given;
    };
    expect(await paramNames({ NAMESPACE: true, REPLICAS: true })).toEqual([
      'NAMESPACE',
      'REPLICAS',
      'TARGET_RESOURCE',
    ]);
    expect(await paramNames()).toEqual([
      'HALLUCINATED',
      'NAMESPACE',
      'REPLICAS',
      'TARGET_RESOURCE',
    ]);
  });
});

/*
 * kubernaut's TektonExecutor cases at d5a4a87 (pkg/workflowexecution/executor/tekton_test.go),
 * on its newTestWFE: the workflow's own service account and a TIMEOUT parameter. A deliberate
 * difference, as docs/backends/tekton.md has it: an execution naming another cluster
 * (UT-WE-054-IC-*) is refused, since Roundhouse runs an execution in its own cluster only.
 */
describe("kubernaut's TektonExecutor cases at d5a4a87", () => {
  /** kubernaut's newTestWFE(name, target, ""): the workflow names its service account. */
  const newTestWFE = (
    name: string,
    target: string,
    { clusterID, parameters }: { clusterID?: string; parameters?: Record<string, string> } = {},
  ): WorkflowExecution =>
    sampleExecution({
      name,
      namespace: 'kubernaut-system',
      spec: {
        workflowRef: {
          workflowId: 'wf-001',
          version: 'v1.0.0',
          executionBundle: 'registry.example.com/workflow:v1',
          serviceAccountName: 'kubernaut-runner',
        },
        targetResource: target,
        executionEngine: 'tekton',
        parameters: parameters ?? { TIMEOUT: '30s' },
        ...(clusterID ? { clusterID } : {}),
      },
    });

  it('UT-WE-054-TEK-001: registers as the tekton engine', () => {
    expect(tektonEngine().executor.engine).toBe('tekton');
  });

  it("UT-WE-054-TEK-002 / UT-WE-054-TEK-010: creates a typed PipelineRun through the bundles resolver, labelled for the execution, under the workflow's service account", async () => {
    const { executor, run } = tektonEngine();
    const { resourceName } = await executor.create(
      newTestWFE('wfe-tekton-001', 'default/deployment/frontend'),
      executionNamespace,
    );
    expect(resourceName).toBe(executionResourceName('default/deployment/frontend'));
    const stored = run(resourceName);
    expect(stored).toMatchObject({ apiVersion: 'tekton.dev/v1', kind: 'PipelineRun' });
    expect(stored?.metadata?.labels?.['kubernaut.ai/workflow-execution']).toBe('wfe-tekton-001');
    expect(stored?.spec.pipelineRef.resolver).toBe('bundles');
    expect(stored?.spec.taskRunTemplate.serviceAccountName).toBe('kubernaut-runner');
  });

  it('UT-WE-054-TEK-003: binds a Secret and a ConfigMap dependency as workspaces', async () => {
    const { executor, run } = tektonEngine();
    const { resourceName } = await executor.create(
      newTestWFE('wfe-tekton-deps', 'default/deployment/backend'),
      executionNamespace,
      {
        dependencies: {
          secrets: [{ name: 'tls-cert' }],
          configMaps: [{ name: 'pipeline-config' }],
        },
      },
    );
    expect(run(resourceName)?.spec.workspaces?.map((w) => w.name)).toEqual([
      'secret-tls-cert',
      'configmap-pipeline-config',
    ]);
  });

  it('UT-WE-054-TEK-007: applies the restricted pod-level security context through taskRunTemplate.podTemplate', async () => {
    const { executor, run } = tektonEngine();
    const { resourceName } = await executor.create(
      newTestWFE('wfe-tekton-secctx', 'default/deployment/frontend'),
      executionNamespace,
    );
    const template = (
      run(resourceName) as StoredRun & { spec: { taskRunTemplate: { podTemplate?: object } } }
    ).spec.taskRunTemplate;
    expect(template.podTemplate).toEqual({
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    });
  });

  it('UT-WE-054-TEK-004 / UT-WE-054-TEK-005: reads a succeeded run as Completed and a failed one as Failed with its reason', async () => {
    const { executor, setStatus } = tektonEngine();
    const read = async (target: string, status: string, reason: string, message: string) => {
      const wfe = newTestWFE(`wfe-tek-${status.toLowerCase()}`, target);
      const { resourceName } = await executor.create(wfe, executionNamespace);
      setStatus(resourceName, { conditions: [{ type: 'Succeeded', status, reason, message }] });
      return executor.getStatus(recordedRun(wfe, resourceName), executionNamespace);
    };
    expect(
      await read('default/deployment/complete', 'True', 'Succeeded', 'All tasks completed'),
    ).toMatchObject({ phase: 'Completed', reason: 'Succeeded' });
    expect(
      await read('default/deployment/fail', 'False', 'TaskRunFailed', "Task 'validate' failed"),
    ).toMatchObject({ phase: 'Failed', reason: 'TaskRunFailed' });
  });

  it("UT-WE-054-TEK-006: deletes the execution's own run", async () => {
    const { executor, run } = tektonEngine();
    const wfe = newTestWFE('wfe-tek-cleanup', 'default/deployment/tekcleanup');
    const { resourceName } = await executor.create(wfe, executionNamespace);
    await executor.cleanup(wfe, executionNamespace);
    expect(run(resourceName)).toBeUndefined();
  });

  it('UT-WE-054-UTIL-001 / UT-WE-054-UTIL-002 / UT-WE-054-UTIL-003: names a run by its target alone, and gives each parameter (none for none) as a string param', async () => {
    const { executor, run } = tektonEngine();
    const nginx = executionResourceName('default/deployment/nginx');
    expect(executionResourceName('default/deployment/nginx')).toBe(nginx);
    expect(executionResourceName('prod/deployment/nginx')).not.toBe(nginx);
    expect(nginx).toMatch(/^wfe-[0-9a-f]{16}$/);
    const wfe = newTestWFE('wfe-params', 'default/deployment/nginx', {
      parameters: { TIMEOUT: '30s', MODE: 'aggressive' },
    });
    const { resourceName } = await executor.create(wfe, executionNamespace);
    expect(run(resourceName)?.spec.params).toEqual([
      { name: 'MODE', value: 'aggressive' },
      { name: 'TIMEOUT', value: '30s' },
      { name: 'TARGET_RESOURCE', value: 'default/deployment/nginx' },
    ]);
    // UT-WE-054-UTIL-003: no parameters at all (kubernaut's nil map) give TARGET_RESOURCE alone.
    const { parameters: _none, ...bare } = newTestWFE(
      'wfe-no-params',
      'default/deployment/bare',
    ).spec;
    const withoutParameters = await executor.create(
      { ...newTestWFE('wfe-no-params', 'default/deployment/bare'), spec: bare },
      executionNamespace,
    );
    expect(run(withoutParameters.resourceName)?.spec.params).toEqual([
      { name: 'TARGET_RESOURCE', value: 'default/deployment/bare' },
    ]);
  });

  it('UT-WE-054-IC-001 / UT-WE-054-IC-002 (a deliberate difference): refuses an execution for another cluster before creating anything, runs one without clusterID here', async () => {
    const { executor, run } = tektonEngine();
    const remote = newTestWFE('wfe-remote', 'default/deployment/remote', {
      clusterID: 'remote-cluster-1',
    });
    await expect(executor.create(remote, executionNamespace)).rejects.toThrow(ConfigurationError);
    expect(run(executionResourceName('default/deployment/remote'))).toBeUndefined();
    const local = newTestWFE('wfe-local', 'default/deployment/local');
    const { resourceName } = await executor.create(local, executionNamespace);
    expect(run(resourceName)).toBeDefined();
  });
});

/*
 * kubernaut's reconciler classifies a failed PipelineRun (pkg/workflowexecution/controller_test.go
 * at d5a4a87, ExtractFailureDetails and its "failure reason mapping from Tekton condition"
 * table: a started run, no TaskRuns); with the kubernaut preset the engine's result carries
 * that class, so the controller records kubernaut's failureDetails.reason.
 */
describe("kubernaut's failure classification of a started PipelineRun at d5a4a87", () => {
  it.each([
    ['Failed', 'RBAC: permission denied - forbidden', 'Forbidden'],
    ['Failed', 'Container killed: OOMKilled', 'OOMKilled'],
    ['PipelineRunTimeout', 'PipelineRun timeout exceeded', 'DeadlineExceeded'],
    ['Failed', 'Some unknown error', 'Unknown'],
    ['Failed', 'task failed due to oom', 'OOMKilled'],
    ['Failed', 'Exit code 137 - OOMkilled by kernel', 'OOMKilled'],
    ['PipelineRunTimeout', 'Pipeline timed out', 'DeadlineExceeded'],
    ['Failed', 'Task timeout exceeded', 'DeadlineExceeded'],
    ['Failed', 'deadline exceeded for task', 'DeadlineExceeded'],
    ['Failed', 'RBAC: forbidden to create pods', 'Forbidden'],
    ['Failed', 'rbac error occurred', 'Forbidden'],
    ['Failed', 'permission denied for resource', 'Forbidden'],
    ['Failed', 'exceeded quota for namespace', 'ResourceExhausted'],
    ['Failed', 'resource exhausted in cluster', 'ResourceExhausted'],
    ['Failed', 'ImagePullBackOff: image not found', 'ImagePullBackOff'],
    ['Failed', 'failed to image pull from registry', 'ImagePullBackOff'],
    ['Failed', 'invalid parameter value', 'ConfigurationError'],
    ['Failed', 'configuration error in pipeline', 'ConfigurationError'],
    ['Failed', 'Some unknown error occurred', 'Unknown'],
    ['Failed', '', 'Unknown'],
    ['TaskRunFailed', 'Task exited with code 1', 'Unknown'],
  ])('%s, %j: %s', async (reason, message, failureReason) => {
    const { executor, setStatus } = tektonEngine('test-sa');
    const wfe = kubernautExecution('test-pr-reason-mapping', 'default/deployment/reason-app');
    const { resourceName } = await executor.create(wfe, executionNamespace);
    setStatus(resourceName, {
      startTime: '2026-01-01T00:00:00Z',
      conditions: [{ type: 'Succeeded', status: 'False', reason, message }],
    });
    expect(
      await executor.getStatus(recordedRun(wfe, resourceName), executionNamespace),
    ).toMatchObject({ phase: 'Failed', reason, started: true, failureReason });
  });
});

/*
 * kubernaut's reconciler's failed-TaskRun details (pkg/workflowexecution/controller_test.go at
 * d5a4a87: findFailedTaskRun, ExtractFailureDetails with TaskRun fields, extractExitCode): the
 * first child TaskRun whose Succeeded is False names the failure, its place among all the
 * run's children is the index, and its first step that ended non-zero gives the exit code.
 */
describe("kubernaut's failed TaskRun details at d5a4a87", () => {
  type Child = { kind: string; name: string };
  type TaskRunFixture = { name: string; succeeded?: 'True' | 'False'; steps?: object[] };

  /** The run, failed with `children`, and those of `taskRuns` the API server holds. */
  async function failedRun(children: Child[], taskRuns: TaskRunFixture[]) {
    const api = new MemoryKubeClient();
    const executor = new TektonExecutor(api, { conventions: kubernautConventions });
    const wfe = kubernautExecution('test-wfe-failed-task', 'default/deployment/failed-task-app');
    const { resourceName } = await executor.create(wfe, executionNamespace);
    const labels = api.object(resources.pipelineRuns, executionNamespace, resourceName)?.metadata
      ?.labels;
    for (const { name, succeeded, steps } of taskRuns) {
      api.put(resources.taskRuns, executionNamespace, {
        apiVersion: 'tekton.dev/v1',
        kind: 'TaskRun',
        metadata: {
          name,
          namespace: executionNamespace,
          labels: { ...labels, 'tekton.dev/pipelineRun': resourceName },
        },
        status: {
          ...(succeeded ? { conditions: [{ type: 'Succeeded', status: succeeded }] } : {}),
          ...(steps ? { steps } : {}),
        },
      });
    }
    api.setStatus(resources.pipelineRuns, executionNamespace, resourceName, {
      startTime: '2026-01-01T00:00:00Z',
      conditions: [{ type: 'Succeeded', status: 'False', reason: 'Failed', message: 'failed' }],
      childReferences: children.map((c) => ({ apiVersion: 'tekton.dev/v1', ...c })),
    });
    return executor.getStatus(recordedRun(wfe, resourceName), executionNamespace);
  }
  const taskRun = (name: string): Child => ({ kind: 'TaskRun', name });
  const terminated = (name: string, exitCode: number) => ({ name, terminated: { exitCode } });

  it('names the first failed TaskRun and its place among the children', async () => {
    const result = await failedRun(
      [taskRun('task-1-success'), taskRun('task-2-failed'), taskRun('task-3-pending')],
      [
        { name: 'task-1-success', succeeded: 'True' },
        { name: 'task-2-failed', succeeded: 'False' },
      ],
    );
    expect(result).toMatchObject({ failedTaskName: 'task-2-failed', failedTaskIndex: 1 });
  });

  it('counts a custom task run among the children, and names the TaskRun after it', async () => {
    const result = await failedRun(
      [{ kind: 'CustomRun', name: 'test-pr-custom-run' }, taskRun('test-pr-task-failed')],
      [{ name: 'test-pr-task-failed', succeeded: 'False' }],
    );
    expect(result).toMatchObject({ failedTaskName: 'test-pr-task-failed', failedTaskIndex: 1 });
  });

  it("takes the first step's non-zero exit code when several steps fail", async () => {
    const result = await failedRun(
      [taskRun('task-multi-fail')],
      [
        {
          name: 'task-multi-fail',
          succeeded: 'False',
          steps: [
            terminated('step-1-success', 0),
            terminated('step-2-oom', 137),
            terminated('step-3-cascade', 1),
          ],
        },
      ],
    );
    expect(result).toMatchObject({ failedTaskName: 'task-multi-fail', exitCode: 137 });
  });

  it('gives no exit code when no step ended non-zero, nor for a step still running', async () => {
    const allSucceeded = await failedRun(
      [taskRun('task-all-success')],
      [{ name: 'task-all-success', succeeded: 'True', steps: [terminated('step-1', 0)] }],
    );
    expect(allSucceeded?.exitCode).toBeUndefined();
    expect(allSucceeded?.failedTaskName).toBeUndefined();
    const running = await failedRun(
      [taskRun('task-running')],
      [
        {
          name: 'task-running',
          succeeded: 'False',
          steps: [{ name: 'step-running', running: {} }],
        },
      ],
    );
    expect(running).toMatchObject({ failedTaskName: 'task-running' });
    expect(running?.exitCode).toBeUndefined();
  });

  it('BuildPipelineRunStatusSummary: counts every child in totalTasks and the succeeded TaskRuns in completedTasks', async () => {
    const partial = await failedRun(
      [taskRun('t1'), taskRun('t2'), taskRun('t3')],
      [
        { name: 't1', succeeded: 'True' },
        { name: 't2', succeeded: 'True' },
        { name: 't3', succeeded: 'False' },
      ],
    );
    expect(partial?.summary).toMatchObject({ status: 'False', totalTasks: 3, completedTasks: 2 });
    const childless = await failedRun([], []);
    expect(childless?.summary).toMatchObject({ status: 'False', totalTasks: 0 });
    expect(childless?.summary?.completedTasks ?? 0).toBe(0);
  });

  it('names no TaskRun when the run has none, or its TaskRun is gone', async () => {
    const none = await failedRun([], []);
    expect(none?.failedTaskName).toBeUndefined();
    expect(none?.exitCode).toBeUndefined();
    const gone = await failedRun([taskRun('test-pr-deleted-task')], []);
    expect(gone?.failedTaskName).toBeUndefined();
  });
});
