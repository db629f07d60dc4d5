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
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobExecutor } from './job-executor.js';

/*
 * kubernaut's JobExecutor cases (test/unit/workflowexecution/executor_test.go at 05af3c6, and
 * pkg/workflowexecution/executor_test.go at d5a4a87) with the kubernaut preset. kubernaut's
 * tests put bare Jobs into a fake client; here the engine creates them (with the labels that
 * make them this execution's) and the test writes their status, as the Job controller would.
 *
 * Deliberate differences, as docs/backends/job.md's "pod failure policy" row has them: a
 * workflow runs once (`backoffLimit: 0`). UT-WE-054-JOB-022 (d5a4a87's pod failure policy that
 * ignores exit code 137 and `DisruptionTarget`, so the Job runs the workflow again) is asserted
 * the other way round: no `podFailurePolicy`. UT-WE-054-JOB-025 (a `retryCount` counted from the
 * Job's SuccessfulCreate events, for pods replaced after such ignored failures) is not ported:
 * with one pod per Job there is nothing to count, and no summary has a `retryCount`.
 * UT-WE-054-JOB-018's pod carries the Job's `batch.kubernetes.io/controller-uid` label here, as
 * the Job controller gives every pod it creates: kubernaut's fixture has `job-name` only, and
 * kubernaut takes any pod named `<job>-*` as the Job's, so a co-tenant's pod so named would put
 * its words in the failure's message (docs/backends/job.md says which pods are the Job's).
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

  // d5a4a87's UT-WE-014-020/021 expect no service account (the namespace's default): with the
  // kubernaut preset Roundhouse keeps 05af3c6's runner, as docs/conventions.md says.
  it("UT-WE-014-021: runs a Job under kubernaut's default service account when none is configured", async () => {
    const { executor, job } = jobEngine();
    const wfe = kubernautExecution('test-wfe-default-sa', 'default/deployment/another-app');
    const { resourceName } = await executor.create(wfe, executionNamespace);
    expect(job(resourceName)?.spec.template.spec.serviceAccountName).toBe(
      'kubernaut-workflow-runner',
    );
  });

  it('UT-WE-014-030 / UT-WE-014-031 / UT-WE-014-032: reads an active Job as Running, a complete one as Completed and a failed one as Failed with its reason', async () => {
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

  it('UT-WE-014-033 / UT-WE-054-JOB-008: without executionRef reads the Job by its lock name (kubernaut: an error), so a start whose status write was lost is still found', async () => {
    const { executor, setStatus } = jobEngine('test-sa');
    const wfe = kubernautExecution('test-wfe-no-ref', 'default/deployment/my-app');
    const { resourceName } = await executor.create(wfe, executionNamespace);
    setStatus(resourceName, { active: 1 });
    expect(await executor.getStatus(wfe, executionNamespace)).toMatchObject({ phase: 'Running' });
  });

  it("UT-WE-014-040 / UT-WE-014-041: deletes the execution's Job, and succeeds when there is none", async () => {
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

  it('UT-WE-006-020 / UT-WE-006-021 / UT-WE-006-022: mounts each Secret and ConfigMap dependency read-only at its kubernaut path', async () => {
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

  it('UT-WE-243-010 / UT-WE-243-011: passes only declared parameters into the env when names are declared, every one when none are', async () => {
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

  it("IT-WE-243-001/002/003: passes only the parameters the spec's workflowRef.declaredParameterNames declares, every one without it, none when it is empty", async () => {
    const { executor, job } = jobEngine('test-sa');
    const envOf = async (declaredParameterNames?: Record<string, boolean>) => {
      const base = kubernautExecution('pf-job', 'default/deployment/pf-job-app', {
        NAMESPACE: 'default',
        REPLICAS: '3',
        HALLUCINATED: 'should-be-stripped',
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
      const env = job(resourceName)?.spec.template.spec.containers[0]?.env ?? [];
      await executor.cleanup(wfe, executionNamespace);
      return env.map((e) => e.name).filter((n) => n !== 'HOME' && n !== 'TMPDIR');
    };
    expect(await envOf({ NAMESPACE: true, REPLICAS: true })).toEqual([
      'TARGET_RESOURCE',
      'NAMESPACE',
      'REPLICAS',
    ]);
    expect(await envOf()).toEqual(['TARGET_RESOURCE', 'HALLUCINATED', 'NAMESPACE', 'REPLICAS']);
    expect(await envOf({})).toEqual(['TARGET_RESOURCE']);
  });

  it("a Job kubernaut's own executor built for this execution (its labels, no uid annotation) is adopted by the execution's create (kubernaut fails it as locked)", async () => {
    const api = new MemoryKubeClient();
    const executor = new JobExecutor(api, { conventions: kubernautConventions });
    const wfe = kubernautExecution('external-job', 'test-namespace/deployment/external-job-test');
    const name = executionResourceName('test-namespace/deployment/external-job-test');
    // kubernaut's buildJob writes these labels and the target annotation, nothing else.
    api.put(resources.jobs, executionNamespace, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: executionNamespace,
        labels: {
          'kubernaut.ai/workflow-execution': 'external-job',
          'kubernaut.ai/workflow-id': 'restart-deployment',
          'kubernaut.ai/target-resource': 'test-namespace__deployment__external-job-test',
          'kubernaut.ai/source-namespace': 'default',
          'kubernaut.ai/execution-engine': 'job',
        },
        annotations: {
          'kubernaut.ai/target-resource': 'test-namespace/deployment/external-job-test',
        },
      },
      spec: {},
    });
    expect(await executor.create(wfe, executionNamespace)).toMatchObject({
      resourceName: name,
      adoptedKind: 'Job',
    });
  });

  it("UT-WE-374-001 / UT-WE-374-002 / UT-WE-374-003 / UT-WE-054-JOB-012 / UT-WE-054-JOB-013 / UT-WE-014-065: a create on a target another execution's running Job holds fails saying it already exists; its succeeded or failed Job is a stale lock", async () => {
    // kubernaut asks IsCompleted of the Job after its create meets AlreadyExists, then deletes a
    // finished one and creates again; Roundhouse's create reads the Job itself and reports a
    // finished one as a leftover (retryable), whose removal is its owner's cleanup.
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
    // UT-WE-374-003: a failed Job is as finished as a succeeded one, so no lock a running one is.
    setStatus(resourceName, {
      failed: 1,
      conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }],
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

  it("UT-WE-374-004: a Job gone between the refused create and its read is a retryable error, never taken for a finished one's lock", async () => {
    const api = new MemoryKubeClient();
    const executor = new JobExecutor(api, { conventions: kubernautConventions });
    const { resourceName } = await executor.create(
      kubernautExecution('first', 'default/deployment/vanished-app'),
      executionNamespace,
    );
    api.setStatus(resources.jobs, executionNamespace, resourceName, { active: 1 });
    // The API server still refuses the name, and every read after finds the Job deleted.
    const get = api.get.bind(api);
    vi.spyOn(api, 'get').mockImplementation((type, ...rest) =>
      type === resources.jobs ? Promise.resolve(null) : get(type, ...rest),
    );
    const second = kubernautExecution('second', 'default/deployment/vanished-app');
    await expect(executor.create(second, executionNamespace)).rejects.toMatchObject({
      reason: 'PreviousExecutionNotCleaned',
      retryable: true,
    });
  });
});

/*
 * kubernaut's JobExecutor cases at d5a4a87 (pkg/workflowexecution/executor/job_test.go and
 * executor_sa_test.go), on its newTestWFE: the workflow's own service account and a TIMEOUT
 * parameter. Its fleet cases route an execution naming another cluster to that cluster's client
 * (UT-WE-054-IC-001) and fail with the client factory's error (UT-WE-054-JOB-004); Roundhouse
 * runs an execution in its own cluster only, so the engine refuses such an execution before
 * creating anything.
 */
describe("kubernaut's JobExecutor cases at d5a4a87", () => {
  /** kubernaut's newTestWFE(name, target, ""). */
  const newTestWFE = (name: string, target: string): WorkflowExecution =>
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
        executionEngine: 'job',
        parameters: { TIMEOUT: '30s' },
      },
    });

  it('UT-WE-054-JOB-001: registers as the job engine', () => {
    expect(jobEngine().executor.engine).toBe('job');
  });

  it("UT-WE-054-JOB-002 / UT-WE-501-001: labels the Job as kubernaut does, runs it as the workflow's service account, with TARGET_RESOURCE, the parameters, then HOME and TMPDIR", async () => {
    const { executor, job } = jobEngine();
    const { resourceName } = await executor.create(
      newTestWFE('wfe-test-001', 'default/deployment/nginx'),
      executionNamespace,
    );
    expect(resourceName).toBe(executionResourceName('default/deployment/nginx'));
    const created = job(resourceName);
    expect(created?.metadata?.labels).toEqual({
      'kubernaut.ai/workflow-execution': 'wfe-test-001',
      'kubernaut.ai/workflow-id': 'wf-001',
      'kubernaut.ai/target-resource': 'default__deployment__nginx',
      'kubernaut.ai/source-namespace': 'kubernaut-system',
      'kubernaut.ai/execution-engine': 'job',
    });
    expect(created?.metadata?.annotations).toMatchObject({
      'kubernaut.ai/target-resource': 'default/deployment/nginx',
    });
    const pod = created?.spec.template.spec;
    expect(pod?.serviceAccountName).toBe('kubernaut-runner');
    expect(pod?.containers[0]?.env).toEqual([
      { name: 'TARGET_RESOURCE', value: 'default/deployment/nginx' },
      { name: 'TIMEOUT', value: '30s' },
      { name: 'HOME', value: '/tmp' },
      { name: 'TMPDIR', value: '/tmp' },
    ]);
  });

  it('UT-WE-054-JOB-003: mounts a Secret and a ConfigMap dependency under their kubernaut paths', async () => {
    const { executor, job } = jobEngine();
    const { resourceName } = await executor.create(
      newTestWFE('wfe-dep-test', 'default/deployment/api'),
      executionNamespace,
      { dependencies: { secrets: [{ name: 'db-creds' }], configMaps: [{ name: 'app-config' }] } },
    );
    const pod = job(resourceName)?.spec.template.spec;
    expect(pod?.volumes?.map((v) => v.name)).toEqual([
      'secret-db-creds',
      'configmap-app-config',
      'tmp',
    ]);
    expect(pod?.containers[0]?.volumeMounts?.map((m) => m.mountPath)).toEqual([
      '/run/kubernaut/secrets/db-creds',
      '/run/kubernaut/configmaps/app-config',
      '/tmp',
    ]);
  });

  it('UT-WE-054-JOB-014 / UT-WE-054-JOB-015: hardens the pod and its container to the restricted profile, with a writable /tmp', async () => {
    const { executor, job } = jobEngine();
    const { resourceName } = await executor.create(
      newTestWFE('wfe-secctx', 'default/deployment/nginx'),
      executionNamespace,
    );
    const pod = job(resourceName)?.spec.template.spec as StoredJob['spec']['template']['spec'] & {
      securityContext?: object;
      volumes?: { name: string; emptyDir?: object }[];
      containers: { securityContext?: object }[];
    };
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers[0]?.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: {} });
    expect(pod.containers[0]?.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });

  it('UT-WE-054-JOB-021 / UT-WE-054-JOB-024: gives the container workflowRef.resources, and none when the workflow declares none', async () => {
    const { executor, job } = jobEngine();
    const base = newTestWFE('wfe-resources', 'default/deployment/nginx');
    const withResources: WorkflowExecution = {
      ...base,
      spec: {
        ...base.spec,
        workflowRef: {
          ...base.spec.workflowRef,
          resources: {
            requests: { cpu: '100m', memory: '128Mi' },
            limits: { cpu: '500m', memory: '256Mi' },
          },
        },
      },
    };
    const resourcesOf = async (wfe: WorkflowExecution) => {
      const { resourceName } = await executor.create(wfe, executionNamespace);
      const container = job(resourceName)?.spec.template.spec.containers[0] as
        | { resources?: object }
        | undefined;
      await executor.cleanup(wfe, executionNamespace);
      return container?.resources;
    };
    expect(await resourcesOf(withResources)).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    });
    expect(await resourcesOf(base)).toBeUndefined();
  });

  it('UT-WE-054-JOB-023 / UT-WE-054-JOB-022 (a deliberate difference): fails fast (backoffLimit 0) and, unlike d5a4a87, sets no pod failure policy that would run the workflow again', async () => {
    const { executor, job } = jobEngine();
    const { resourceName } = await executor.create(
      newTestWFE('wfe-backofflimit', 'default/deployment/nginx'),
      executionNamespace,
    );
    const spec = job(resourceName)?.spec as StoredJob['spec'] & { backoffLimit?: number };
    expect(spec.backoffLimit).toBe(0);
    expect(spec).not.toHaveProperty('podFailurePolicy');
  });

  describe('deadline (activeDeadlineSeconds)', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(now);
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    /** The deadline of the Job a JobExecutor with `defaultTimeout` creates for an execution ending at `timesOutAt`. */
    const deadlineOf = async (timesOutAt?: string, defaultTimeout?: string) => {
      const api = new MemoryKubeClient();
      const executor = new JobExecutor(api, {
        conventions: kubernautConventions,
        ...(defaultTimeout ? { defaultTimeout } : {}),
      });
      const base = newTestWFE('wfe-deadline', 'default/deployment/nginx');
      const wfe = { ...base, spec: { ...base.spec, ...(timesOutAt ? { timesOutAt } : {}) } };
      const { resourceName } = await executor.create(wfe, executionNamespace);
      const job = api.object<StoredJob>(resources.jobs, executionNamespace, resourceName);
      return (job?.spec as { activeDeadlineSeconds?: number } | undefined)?.activeDeadlineSeconds;
    };

    it("UT-WE-054-JOB-016: without spec.timesOutAt the deadline is the executor's defaultTimeout (kubernaut: 30 minutes), none when it has none", async () => {
      expect(await deadlineOf(undefined, '30m')).toBe(1800);
      expect(await deadlineOf()).toBeUndefined();
    });

    it('UT-WE-054-JOB-017: takes the deadline from spec.timesOutAt, in seconds from the create', async () => {
      expect(await deadlineOf('2026-03-01T12:05:00Z')).toBe(300);
      expect(await deadlineOf('2026-03-01T12:05:00Z', '30m')).toBe(300);
    });

    it('UT-WE-2176-001: a spec.timesOutAt already past still gives the Job a deadline of 1 second', async () => {
      expect(await deadlineOf('2026-03-01T11:59:00Z')).toBe(1);
    });
  });

  describe('getStatus', () => {
    /** The engine, with its Job for `target` created and given `status` as the Job controller would. */
    const jobWithStatus = async (name: string, target: string, status: object) => {
      const api = new MemoryKubeClient();
      const executor = new JobExecutor(api, { conventions: kubernautConventions });
      const wfe = newTestWFE(name, target);
      const { resourceName } = await executor.create(wfe, executionNamespace);
      api.setStatus(resources.jobs, executionNamespace, resourceName, status);
      return {
        api,
        resourceName,
        read: () => executor.getStatus(recorded(wfe, resourceName), executionNamespace),
      };
    };
    const failed = (reason: string, message: string) => ({
      failed: 1,
      conditions: [{ type: 'Failed', status: 'True', reason, message }],
    });
    const deadline = failed('DeadlineExceeded', 'Job was active longer than specified deadline');
    const backoff = failed('BackoffLimitExceeded', 'Job has reached the specified backoff limit');
    /** A Warning Event about the pod `pod`, as the kubelet records it. */
    const podEvent = (name: string, pod: string, reason: string, message: string) => ({
      metadata: { name, namespace: executionNamespace },
      involvedObject: { kind: 'Pod', name: pod, namespace: executionNamespace },
      reason,
      message,
      type: 'Warning',
    });

    it('UT-WE-054-JOB-005: reads a Job with Complete=True as Completed, its summary True', async () => {
      const { read } = await jobWithStatus('wfe-status', 'default/deployment/nginx', {
        succeeded: 1,
        conditions: [{ type: 'Complete', status: 'True', message: 'Job completed successfully' }],
      });
      expect(await read()).toMatchObject({
        phase: 'Completed',
        reason: 'Complete',
        message: 'Job completed successfully',
        summary: { status: 'True', reason: 'Succeeded', completedTasks: 1, totalTasks: 1 },
      });
    });

    it('UT-WE-054-JOB-026 / UT-WE-054-JOB-027: a success, with one pod created or no record of it, has no retryCount (kubernaut omits its 0), and reading it lists no Events', async () => {
      const { api, resourceName, read } = await jobWithStatus(
        'wfe-clean-success',
        'default/deployment/clean-success',
        {
          succeeded: 1,
          conditions: [{ type: 'Complete', status: 'True', message: 'Job completed successfully' }],
        },
      );
      const summary = { status: 'True', reason: 'Succeeded', completedTasks: 1, totalTasks: 1 };
      const list = vi.spyOn(api, 'list');
      expect((await read())?.summary).toEqual(summary);
      const uid = api.object(resources.jobs, executionNamespace, resourceName)?.metadata?.uid;
      api.put(resources.events, executionNamespace, {
        metadata: { name: 'clean-success-create-1', namespace: executionNamespace },
        involvedObject: { kind: 'Job', name: resourceName, namespace: executionNamespace, uid },
        reason: 'SuccessfulCreate',
        message: `Created pod: ${resourceName}-abcde`,
        type: 'Normal',
      });
      expect((await read())?.summary).toEqual(summary);
      // kubernaut counts the SuccessfulCreate events for its retryCount (UT-WE-054-JOB-025);
      // a Job here runs its one pod once, so a success costs no request for them.
      expect(list.mock.calls.map(([type]) => type)).not.toContain(resources.events);
    });

    it('UT-WE-054-JOB-006 / UT-WE-054-JOB-019: reads a Job with Failed=True as Failed with its reason, and its message as it is when no event explains it', async () => {
      const { read } = await jobWithStatus('wfe-failed', 'default/deployment/broken', backoff);
      expect(await read()).toMatchObject({
        phase: 'Failed',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      });
    });

    it("UT-WE-054-JOB-007: reads a Job without a verdict as Running, in kubernaut's words", async () => {
      const { read } = await jobWithStatus('wfe-running', 'default/deployment/running', {
        active: 1,
      });
      expect(await read()).toMatchObject({
        phase: 'Running',
        reason: 'Running',
        message: 'Job running (1/1 pods active)',
        summary: {
          status: 'Unknown',
          reason: 'Running',
          message: '1 pod(s) active',
          completedTasks: 0,
          totalTasks: 1,
        },
      });
    });

    it("UT-WE-054-JOB-018: adds its pod's FailedMount to the failure's message", async () => {
      const { api, resourceName, read } = await jobWithStatus(
        'wfe-dep-missing',
        'default/deployment/dep-missing',
        deadline,
      );
      const uid = api.object(resources.jobs, executionNamespace, resourceName)?.metadata?.uid ?? '';
      const pod = `${resourceName}-abcde`;
      api.put(resources.pods, executionNamespace, {
        metadata: {
          name: pod,
          namespace: executionNamespace,
          labels: { 'job-name': resourceName, 'batch.kubernetes.io/controller-uid': uid },
        },
      });
      api.put(
        resources.events,
        executionNamespace,
        podEvent(
          'evt-failedmount',
          pod,
          'FailedMount',
          'MountVolume.SetUp failed for volume "secret-my-creds" : secret "my-creds" not found',
        ),
      );
      const result = await read();
      expect(result).toMatchObject({ phase: 'Failed' });
      expect(result?.message).toContain('secret "my-creds" not found');
    });

    it("UT-WE-054-JOB-020: adds the FailedMount of a pod the Job controller already deleted to the failure's message", async () => {
      const { api, resourceName, read } = await jobWithStatus(
        'wfe-dep-missing-pod-gone',
        'default/deployment/dep-missing-pod-gone',
        deadline,
      );
      api.put(
        resources.events,
        executionNamespace,
        podEvent(
          'evt-failedmount-pod-gone',
          `${resourceName}-x7k2m`,
          'FailedMount',
          'MountVolume.SetUp failed for volume "secret-e2e-dep-secret" : secret "e2e-dep-secret" not found',
        ),
      );
      const result = await read();
      expect(result).toMatchObject({ phase: 'Failed' });
      expect(result?.message).toContain('secret "e2e-dep-secret" not found');
    });

    it.each([
      [
        'UT-WE-054-JOB-028',
        'Failed to pull image "quay.io/kubernaut/bad-bundle:v1": rpc error: code = NotFound desc = manifest unknown',
        'manifest unknown',
      ],
      ['UT-WE-054-JOB-029', 'Error: ImagePullBackOff', 'ImagePullBackOff'],
    ])(
      "%s: adds the kubelet's image-pull failure to the failure's message",
      async (_id, message, expected) => {
        const { api, resourceName, read } = await jobWithStatus(
          'wfe-bad-image',
          'default/deployment/bad-image',
          deadline,
        );
        api.put(
          resources.events,
          executionNamespace,
          podEvent('evt-image', `${resourceName}-x7k2m`, 'Failed', message),
        );
        const result = await read();
        expect(result).toMatchObject({ phase: 'Failed' });
        expect(result?.message).toContain(expected);
      },
    );

    it("UT-WE-054-JOB-030: takes a probe's 'Failed' event for no image-pull failure", async () => {
      const { api, resourceName, read } = await jobWithStatus(
        'wfe-probe-failure',
        'default/deployment/probe-failure',
        backoff,
      );
      api.put(
        resources.events,
        executionNamespace,
        podEvent(
          'evt-probe-failed',
          `${resourceName}-x7k2m`,
          'Failed',
          'Liveness probe failed: HTTP probe failed with statuscode: 500',
        ),
      );
      expect((await read())?.message).toBe('Job has reached the specified backoff limit');
    });
  });

  describe('cleanup', () => {
    it("UT-WE-054-JOB-009 / UT-WE-054-JOB-011: deletes the execution's Job, and succeeds once it is gone", async () => {
      const { executor, job } = jobEngine();
      const wfe = newTestWFE('wfe-cleanup', 'default/deployment/cleanup');
      const { resourceName } = await executor.create(wfe, executionNamespace);
      await executor.cleanup(wfe, executionNamespace);
      expect(job(resourceName)).toBeUndefined();
      await expect(executor.cleanup(wfe, executionNamespace)).resolves.toBeUndefined();
    });

    it('UT-WE-054-JOB-010: leaves the Job of another execution on the same target', async () => {
      const { executor, job } = jobEngine();
      const { resourceName } = await executor.create(
        newTestWFE('wfe-other', 'default/deployment/shared'),
        executionNamespace,
      );
      await executor.cleanup(
        newTestWFE('wfe-old', 'default/deployment/shared'),
        executionNamespace,
      );
      expect(job(resourceName)?.metadata?.labels?.['kubernaut.ai/workflow-execution']).toBe(
        'wfe-other',
      );
    });
  });

  it('UT-WE-054-IC-001 / UT-WE-054-IC-002 / UT-WE-054-JOB-004 / UT-WE-054-CF-002 (a deliberate difference): refuses an execution for another cluster before creating anything, runs one without clusterID here', async () => {
    const { executor, job } = jobEngine();
    const remote = newTestWFE('wfe-remote', 'default/deployment/remote');
    const refused = executor.create(
      { ...remote, spec: { ...remote.spec, clusterID: 'remote-cluster-1' } },
      executionNamespace,
    );
    await expect(refused).rejects.toThrow(ConfigurationError);
    // kubernaut's local client factory says `remote execution not configured: cannot target
    // cluster "<id>" (fleet config required)` (UT-WE-054-CF-002); this names the cluster too.
    await expect(refused).rejects.toThrow('this one names cluster "remote-cluster-1"');
    expect(job(executionResourceName('default/deployment/remote'))).toBeUndefined();
    const { resourceName } = await executor.create(
      newTestWFE('wfe-local', 'default/deployment/local'),
      executionNamespace,
    );
    expect(job(resourceName)).toBeDefined();
  });
});
