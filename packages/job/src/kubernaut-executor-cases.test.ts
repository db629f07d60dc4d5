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
import { JobExecutor } from './job-executor.js';

/*
 * kubernaut's JobExecutor cases (test/unit/workflowexecution/executor_test.go at 05af3c6, and
 * pkg/workflowexecution/executor_test.go at d5a4a87) with the kubernaut preset. kubernaut's
 * tests put bare Jobs into a fake client; here the engine creates them (with the labels that
 * make them this execution's) and the test writes their status, as the Job controller would.
 */

const executionNamespace = 'kubernaut-workflows';

type StoredJob = KubeObject & {
  spec: {
    template: {
      spec: {
        serviceAccountName?: string;
        restartPolicy?: string;
        volumes?: { name: string }[];
        containers: {
          image: string;
          env?: { name: string; value?: string }[];
          volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
        }[];
      };
    };
  };
  status?: object;
};

/** kubernaut's newTestWFE: a job execution on `target` with `parameters`. */
function kubernautExecution(
  name: string,
  target: string,
  parameters: Record<string, string> = {},
): WorkflowExecution {
  return sampleExecution({
    name,
    namespace: 'default',
    spec: {
      workflowRef: {
        workflowId: 'restart-deployment',
        version: '1.0.0',
        executionBundle: 'ghcr.io/kubernaut/workflows/restart:v1.0.0',
      },
      targetResource: target,
      executionEngine: 'job',
      parameters,
    },
  });
}

function jobEngine(serviceAccountName?: string) {
  const api = new MemoryKubeClient();
  const executor = new JobExecutor(api, {
    conventions: kubernautConventions,
    ...(serviceAccountName ? { serviceAccountName } : {}),
  });
  return {
    executor,
    job: (name: string) => api.object<StoredJob>(resources.jobs, executionNamespace, name),
    /** Writes the Job's status, as the Job controller does. */
    setStatus: (name: string, status: object) =>
      api.setStatus(resources.jobs, executionNamespace, name, status),
  };
}

/** The execution with `executionRef` set to the resource its create returned, as the controller records it. */
const recorded = (wfe: WorkflowExecution, name: string): WorkflowExecution => ({
  ...wfe,
  status: { executionRef: { name } },
});

describe("kubernaut's JobExecutor cases", () => {
  it('UT-WE-014-020: creates one Job running the bundle, with the service account, labels and env kubernaut writes', async () => {
    const { executor, job } = jobEngine('test-sa');
    const wfe = kubernautExecution('test-wfe', 'default/deployment/my-app', {
      NAMESPACE: 'default',
    });
    const { resourceName } = await executor.create(wfe, executionNamespace);
    expect(resourceName).toBe('wfe-c00449355dfb987a');
    const pod = job(resourceName)?.spec.template.spec;
    expect(pod?.containers).toHaveLength(1);
    expect(pod?.containers[0]?.image).toBe('ghcr.io/kubernaut/workflows/restart:v1.0.0');
    expect(pod?.serviceAccountName).toBe('test-sa');
    expect(pod?.restartPolicy).toBe('Never');
    expect(job(resourceName)?.metadata?.labels).toMatchObject({
      'kubernaut.ai/workflow-execution': 'test-wfe',
      'kubernaut.ai/execution-engine': 'job',
    });
    expect(pod?.containers[0]?.env).toEqual(
      expect.arrayContaining([
        { name: 'TARGET_RESOURCE', value: 'default/deployment/my-app' },
        { name: 'NAMESPACE', value: 'default' },
      ]),
    );
  });

  it("UT-WE-014-021: runs a Job under kubernaut's default service account when none is configured", async () => {
    const { executor, job } = jobEngine();
    const wfe = kubernautExecution('test-wfe-default-sa', 'default/deployment/another-app');
    const { resourceName } = await executor.create(wfe, executionNamespace);
    expect(job(resourceName)?.spec.template.spec.serviceAccountName).toBe(
      'kubernaut-workflow-runner',
    );
  });

  it('UT-WE-014-030/031/032: reads an active Job as Running, a complete one as Completed and a failed one as Failed with its reason', async () => {
    const { executor, setStatus } = jobEngine('test-sa');
    const wfe = kubernautExecution('test-wfe', 'default/deployment/my-app');
    const { resourceName } = await executor.create(wfe, executionNamespace);
    const read = () => executor.getStatus(recorded(wfe, resourceName), executionNamespace);

    setStatus(resourceName, { active: 1 });
    expect(await read()).toMatchObject({ phase: 'Running', reason: 'Running' });

    setStatus(resourceName, {
      succeeded: 1,
      conditions: [{ type: 'Complete', status: 'True', message: 'Job completed successfully' }],
    });
    expect(await read()).toMatchObject({
      phase: 'Completed',
      reason: 'Complete',
      message: 'Job completed successfully',
      summary: { status: 'True', reason: 'Succeeded', completedTasks: 1, totalTasks: 1 },
    });

    setStatus(resourceName, {
      failed: 1,
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
        },
      ],
    });
    expect(await read()).toMatchObject({
      phase: 'Failed',
      reason: 'BackoffLimitExceeded',
      // d5a4a87: the summary carries the failure's message, which its MarkFailed records.
      summary: {
        status: 'False',
        reason: 'Failed',
        message: 'Job has reached the specified backoff limit',
        totalTasks: 1,
      },
    });
  });

  it('UT-WE-014-033: without executionRef reads the Job by its lock name (kubernaut: an error), so a start whose status write was lost is still found', async () => {
    const { executor, setStatus } = jobEngine('test-sa');
    const wfe = kubernautExecution('test-wfe-no-ref', 'default/deployment/my-app');
    const { resourceName } = await executor.create(wfe, executionNamespace);
    setStatus(resourceName, { active: 1 });
    expect(await executor.getStatus(wfe, executionNamespace)).toMatchObject({ phase: 'Running' });
  });

  it("UT-WE-014-040/041: deletes the execution's Job, and succeeds when there is none", async () => {
    const { executor, job } = jobEngine('test-sa');
    const wfe = kubernautExecution('cleanup-wfe', 'default/deployment/cleanup-app');
    const { resourceName } = await executor.create(wfe, executionNamespace);
    expect(resourceName).toBe(executionResourceName('default/deployment/cleanup-app'));
    await executor.cleanup(wfe, executionNamespace);
    expect(job(resourceName)).toBeUndefined();
    await expect(executor.cleanup(wfe, executionNamespace)).resolves.toBeUndefined();
    const none = kubernautExecution('none', 'default/deployment/nonexistent');
    await expect(executor.cleanup(none, executionNamespace)).resolves.toBeUndefined();
  });

  it('UT-WE-014-050: registers as the job engine', () => {
    expect(jobEngine().executor.engine).toBe('job');
  });

  it('UT-WE-006-020/021/022: mounts each Secret and ConfigMap dependency read-only at its kubernaut path', async () => {
    const { executor, job } = jobEngine('test-sa');
    const create = async (target: string, dependencies: Dependencies) => {
      const wfe = kubernautExecution('test-wfe-deps', target);
      const { resourceName } = await executor.create(wfe, executionNamespace, { dependencies });
      const pod = job(resourceName)?.spec.template.spec;
      return {
        volumes: (pod?.volumes ?? []).map((v) => v.name).filter((n) => n !== 'tmp'),
        mounts: (pod?.containers[0]?.volumeMounts ?? []).filter((m) => m.name !== 'tmp'),
      };
    };
    const secret = {
      name: 'secret-gitea-repo-creds',
      mountPath: '/run/kubernaut/secrets/gitea-repo-creds',
      readOnly: true,
    };
    const configMap = {
      name: 'configmap-remediation-config',
      mountPath: '/run/kubernaut/configmaps/remediation-config',
      readOnly: true,
    };
    expect(
      await create('default/deployment/deps-app', { secrets: [{ name: 'gitea-repo-creds' }] }),
    ).toEqual({ volumes: [secret.name], mounts: [secret] });
    expect(
      await create('default/deployment/cm-app', { configMaps: [{ name: 'remediation-config' }] }),
    ).toEqual({ volumes: [configMap.name], mounts: [configMap] });
    expect(
      await create('default/deployment/both-app', {
        secrets: [{ name: 'gitea-repo-creds' }],
        configMaps: [{ name: 'remediation-config' }],
      }),
    ).toEqual({ volumes: [secret.name, configMap.name], mounts: [secret, configMap] });
  });

  it('UT-WE-006-023: a Job without dependencies mounts only its tmp scratch volume (d5a4a87)', async () => {
    const { executor, job } = jobEngine('test-sa');
    const wfe = kubernautExecution('test-wfe-nodeps', 'default/deployment/nodeps-app');
    const { resourceName } = await executor.create(wfe, executionNamespace);
    const pod = job(resourceName)?.spec.template.spec;
    expect(pod?.volumes?.map((v) => v.name) ?? []).toEqual(['tmp']);
    expect(pod?.containers[0]?.volumeMounts?.map((m) => m.name) ?? []).toEqual(['tmp']);
  });

  it('UT-WE-243-010/011: passes only declared parameters into the env when names are declared, every one when none are', async () => {
    const { executor, job } = jobEngine('test-sa');
    const wfe = kubernautExecution('test-wfe-declared', 'default/deployment/declared-app', {
      NAMESPACE: 'default',
      INJECTED: 'rm -rf',
    });
    const envNames = async (declaredParameterNames?: string[]) => {
      const { resourceName } = await executor.create(wfe, executionNamespace, {
        ...(declaredParameterNames ? { declaredParameterNames } : {}),
      });
      const env = job(resourceName)?.spec.template.spec.containers[0]?.env ?? [];
      await executor.cleanup(wfe, executionNamespace);
      return env.map((e) => e.name).filter((n) => n === 'NAMESPACE' || n === 'INJECTED');
    };
    expect(await envNames(['NAMESPACE'])).toEqual(['NAMESPACE']);
    expect((await envNames()).sort()).toEqual(['INJECTED', 'NAMESPACE']);
  });

  it("UT-WE-374-001..004 / UT-WE-014-065: a create on a target another execution's running Job holds fails saying it already exists; its finished Job is a stale lock", async () => {
    const { executor, setStatus } = jobEngine('test-sa');
    const first = kubernautExecution('first', 'default/deployment/my-app');
    const second = kubernautExecution('second', 'default/deployment/my-app');
    const { resourceName } = await executor.create(first, executionNamespace);
    setStatus(resourceName, { active: 1 });
    const busy = executor.create(second, executionNamespace);
    await expect(busy).rejects.toThrow(ResourceLockedError);
    await expect(busy).rejects.toThrow(/already exists/);
    setStatus(resourceName, {
      succeeded: 1,
      conditions: [{ type: 'Complete', status: 'True' }],
    });
    await expect(executor.create(second, executionNamespace)).rejects.toMatchObject({
      reason: 'PreviousExecutionNotCleaned',
      owner: { name: 'first', namespace: 'default' },
    });
    // Its own create again (a retry after a crash) adopts the Job rather than failing.
    expect(await executor.create(first, executionNamespace)).toMatchObject({
      resourceName,
      adoptedKind: 'Job',
    });
  });
});
