/**
 * Past 350 lines: the job engine against one control plane per file; a split would start another
 * plane for the same executor set-up.
 */
import {
  executionMetadata,
  executionResourceName,
  formatKubeTime,
  isOwnedBy,
  PreviousExecutionNotCleanedError,
  QuotaExceededError,
  ResourceLockedError,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import {
  describeWithControlPlane,
  podControls,
  useTestNamespace,
} from '@roundhouse/testenv/vitest';
import { expect, it, onTestFinished, vi } from 'vitest';
import { createCoTenantPod } from './co-tenant-pod.js';
import { jobPods, patience } from './drive.js';
import { followHints, unreachablePodWebhook } from './late-refusal.js';
import { onlyJobPod } from './only-job-pod.js';
import { recordWorkflowStart } from './pod-start.js';
import { recordPodWarning } from './pod-warning.js';

let sequence = 0;
function execution(
  overrides: Partial<WorkflowExecution['spec']> = {},
  name?: string,
): WorkflowExecution {
  sequence += 1;
  return {
    metadata: { name: name ?? `wfe-${sequence}`, namespace: 'team-a', uid: `uid-${sequence}` },
    spec: {
      workflowRef: {
        workflowId: 'restart',
        version: '1',
        executionBundle: 'registry.invalid/restart:1',
      },
      targetResource: `team-a/deployment/app-${sequence}`,
      executionEngine: 'job',
      parameters: { REPLICAS: '3' },
      ...overrides,
    },
  };
}

const withRef = (wfe: WorkflowExecution, name: string): WorkflowExecution => ({
  ...wfe,
  status: { executionRef: { name } },
});

/** `wfe` as a controller stores it once its resource `name` started now. */
const started = (wfe: WorkflowExecution, name: string): WorkflowExecution => ({
  ...wfe,
  status: { executionRef: { name }, startTime: formatKubeTime(new Date()) },
});

describeWithControlPlane('JobExecutor on a real control plane', () => {
  const env = useTestNamespace();
  const client = () => new KubeClient(env.kubeConfig);
  const executor = (annotations: Record<string, string> = {}) =>
    new JobExecutor(client(), { podAnnotations: annotations });

  /** The status `ex` reports for `wfe` once it is Completed or Failed. */
  async function settle(ex: JobExecutor, wfe: WorkflowExecution, namespace = env.namespace) {
    return vi.waitFor(async () => {
      const status = await ex.getStatus(wfe, namespace);
      expect(status?.phase).toMatch(/Completed|Failed/);
      return status!;
    }, patience);
  }

  /** Waits until the Job `name` is gone from the API server. */
  const jobGone = (name: string) =>
    vi.waitFor(async () => {
      expect(await client().get(resources.jobs, env.namespace, name)).toBeNull();
    }, patience);

  it('runs a Job to Completed, reporting Running first', async () => {
    const ex = executor({ [podControls.runSeconds]: '2' });
    const wfe = execution();
    const { resourceName } = await ex.create(wfe, env.namespace);
    expect(resourceName).toMatch(/^wfe-[0-9a-f]{16}$/);
    const running = await ex.getStatus(withRef(wfe, resourceName), env.namespace);
    expect(running?.phase).toBe('Running');
    const done = await settle(ex, withRef(wfe, resourceName));
    const job = await client().get<KubeObject & { status?: { completionTime?: string } }>(
      resources.jobs,
      env.namespace,
      resourceName,
    );
    expect(done).toMatchObject({
      phase: 'Completed',
      reason: 'Complete',
      summary: { status: 'True', completedTasks: 1, totalTasks: 1 },
      // The Job controller's own completion time, not the time of the read.
      completionTime: job?.status?.completionTime,
      started: true,
    });
    expect(done.completionTime).toEqual(expect.any(String));
  });

  it('reports a failing pod as BackoffLimitExceeded with its exit code', async () => {
    const ex = executor({ [podControls.exitCode]: '3' });
    const wfe = execution();
    const { resourceName } = await ex.create(wfe, env.namespace);
    const failed = await settle(ex, withRef(wfe, resourceName));
    expect(failed.phase).toBe('Failed');
    expect(failed.reason).toBe('BackoffLimitExceeded');
    expect(failed.exitCode).toBe(3);
    expect(failed.message).toMatch(/container workflow in pod \S+ exited with code 3 \(Error\)/);
    // kubernaut's summary: the counters' status and reason, the failure's message.
    expect(failed.summary).toMatchObject({
      status: 'False',
      reason: 'Failed',
      message: failed.message,
    });
    expect(failed).toMatchObject({ completionTime: expect.any(String), started: true });
  });

  it('fails an execution that outlives its timeout with DeadlineExceeded', async () => {
    const ex = executor({ [podControls.runSeconds]: '600' });
    const wfe = execution({ executionConfig: { timeout: '2s' } });
    const { resourceName } = await ex.create(wfe, env.namespace);
    const job = await client().get<KubeObject & { spec: { activeDeadlineSeconds: number } }>(
      resources.jobs,
      env.namespace,
      resourceName,
    );
    expect(job?.spec.activeDeadlineSeconds).toBe(2);
    const failed = await settle(ex, withRef(wfe, resourceName));
    expect(failed.phase).toBe('Failed');
    expect(failed.reason).toBe('DeadlineExceeded');
  });

  it('UT-WE-054-JOB-017 / UT-WE-2176-001: ends the Job by spec.timesOutAt, one second at least once it passed', async () => {
    const ex = executor({ [podControls.runSeconds]: '600' });
    const deadlineOf = async (timesOutAt: Date) => {
      const wfe = execution({ timesOutAt: formatKubeTime(timesOutAt) });
      const { resourceName } = await ex.create(wfe, env.namespace);
      const job = await client().get<KubeObject & { spec: { activeDeadlineSeconds?: number } }>(
        resources.jobs,
        env.namespace,
        resourceName,
      );
      await ex.cleanup(withRef(wfe, resourceName), env.namespace);
      return job?.spec.activeDeadlineSeconds;
    };
    const inFiveMinutes = await deadlineOf(new Date(Date.now() + 5 * 60_000));
    expect(inFiveMinutes).toBeGreaterThan(5 * 60 - 10);
    expect(inFiveMinutes).toBeLessThanOrEqual(5 * 60);
    expect(await deadlineOf(new Date(Date.now() - 60_000))).toBe(1);
  });

  it("adds the kubelet's FailedMount to a Job that failed at its deadline without an exit code", async () => {
    const ex = executor({ [podControls.runSeconds]: '600' });
    const wfe = execution({ executionConfig: { timeout: '3s' } });
    const { resourceName } = await ex.create(wfe, env.namespace);
    const { name: pod } = await onlyJobPod(client(), env.namespace, resourceName);
    // What a kubelet reports of a volume whose Secret is gone; the fake node never mounts one.
    await recordPodWarning(client(), env.namespace, {
      pod,
      reason: 'FailedMount',
      message: 'MountVolume.SetUp failed for volume "deps" : secret "db" not found',
      at: Date.now(),
    });
    const failed = await settle(ex, withRef(wfe, resourceName));
    expect(failed).toMatchObject({ phase: 'Failed', failureReason: 'DeadlineExceeded' });
    expect(failed.message).toContain(
      `pod ${pod}: FailedMount: MountVolume.SetUp failed for volume "deps" : secret "db" not found`,
    );
  });

  it('gives no FailedMount as the cause of a Job whose pod could mount its volume at last and ran until the deadline', async () => {
    const ex = executor({ [podControls.runSeconds]: '600' });
    const wfe = execution({ executionConfig: { timeout: '3s' } });
    const { resourceName } = await ex.create(wfe, env.namespace);
    const { pod, name } = await onlyJobPod(client(), env.namespace, resourceName);
    const uid = pod?.metadata?.uid;
    // The kubelet could not mount the Secret until it was created, then started the container.
    const now = Date.now();
    await recordPodWarning(client(), env.namespace, {
      pod: name,
      uid,
      reason: 'FailedMount',
      message: 'MountVolume.SetUp failed for volume "deps" : secret "db" not found',
      at: now,
    });
    await recordWorkflowStart(client(), env.namespace, { pod: name, uid, at: now + 1_000 });
    const failed = await settle(ex, withRef(wfe, resourceName));
    expect(failed).toMatchObject({
      phase: 'Failed',
      failureReason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
    });
  });

  it("UT-WE-054-JOB-028: adds the kubelet's image-pull failure to a Job that failed at its deadline, from its event alone", async () => {
    const ex = executor({ [podControls.runSeconds]: '600' });
    const wfe = execution({ executionConfig: { timeout: '3s' } });
    const { resourceName } = await ex.create(wfe, env.namespace);
    const { name: pod } = await onlyJobPod(client(), env.namespace, resourceName);
    // The event of the Job's pod, which the Job controller deletes at the deadline, written
    // without the times a kubelet's recorder sets: its creation dates it.
    const pull =
      'Failed to pull image "quay.io/kubernaut/bad-bundle:v1": rpc error: code = NotFound desc = manifest unknown';
    await recordPodWarning(client(), env.namespace, { pod, reason: 'Failed', message: pull });
    const failed = await settle(ex, withRef(wfe, resourceName));
    expect(failed).toMatchObject({ phase: 'Failed', failureReason: 'DeadlineExceeded' });
    expect(failed.message).toContain(`pod ${pod}: Failed: ${pull}`);
  });

  it("names the kubelet's refusal of a root image under the restricted profile in a Job that failed at a deadline shorter than the startup grace", async () => {
    const ex = executor({ [podControls.runSeconds]: '600' });
    const wfe = execution({ executionConfig: { timeout: '3s' } });
    const { resourceName } = await ex.create(wfe, env.namespace);
    const { pod, name } = await onlyJobPod(client(), env.namespace, resourceName);
    // What the kubelet records of a container it will not create (kuberuntime_container.go,
    // startContainer); the fake node runs no image, root or not.
    const refusal = `Error: container has runAsNonRoot and image will run as root (pod: "${name}_${env.namespace}(${pod?.metadata?.uid})", container: workflow)`;
    await recordPodWarning(client(), env.namespace, {
      pod: name,
      uid: pod?.metadata?.uid,
      reason: 'Failed',
      message: refusal,
      at: Date.now(),
    });
    const failed = await settle(ex, withRef(wfe, resourceName));
    expect(failed).toMatchObject({ phase: 'Failed', failureReason: 'DeadlineExceeded' });
    expect(failed.message).toContain(`pod ${name}: Failed: ${refusal}`);
  });

  it("takes no start failure of a co-tenant's pod named like the Job's for the Job's own", async () => {
    const ex = executor({ [podControls.runSeconds]: '600' });
    const wfe = execution({ executionConfig: { timeout: '3s' } });
    const { resourceName } = await ex.create(wfe, env.namespace);
    const { name: own } = await onlyJobPod(client(), env.namespace, resourceName);
    // Someone who may create pods names one as the Job controller names the Job's.
    const decoy = `${resourceName}-decoy`;
    await createCoTenantPod(client(), env.namespace, decoy);
    const now = Date.now();
    const mount = (pod: string, at: number, secret: string) =>
      recordPodWarning(client(), env.namespace, {
        pod,
        reason: 'FailedMount',
        message: `MountVolume.SetUp failed for volume "deps" : secret "${secret}" not found`,
        at,
      });
    // The decoy's warning is the newer, which a pick by name would take.
    await mount(own, now, 'db');
    await mount(decoy, now + 2_000, 'theirs');
    const failed = await settle(ex, withRef(wfe, resourceName));
    expect(failed).toMatchObject({ phase: 'Failed', failureReason: 'DeadlineExceeded' });
    expect(failed.message).toContain(
      `pod ${own}: FailedMount: MountVolume.SetUp failed for volume "deps" : secret "db" not found`,
    );
    expect(failed.message).not.toContain(decoy);
  });

  it("names its gone pod's FailedScheduling by name once the Job's own events have expired, not a co-tenant's pod named alike", async () => {
    const ex = executor({ [podControls.runSeconds]: '600' });
    const wfe = execution({ executionConfig: { timeout: '3s' } });
    const { resourceName } = await ex.create(wfe, env.namespace);
    const { name: own } = await onlyJobPod(client(), env.namespace, resourceName);
    const job = await client().get(resources.jobs, env.namespace, resourceName);
    // The API server's --event-ttl (1 h, as long as the default deadline) has passed: the Job
    // controller's record of the pod it created is gone.
    const records = await vi.waitFor(async () => {
      const { items } = await client().list(resources.events, env.namespace, {
        fieldSelector: `involvedObject.uid=${job?.metadata?.uid},reason=SuccessfulCreate`,
      });
      expect(items).not.toHaveLength(0);
      return items;
    }, patience);
    for (const record of records)
      await client().delete(resources.events, env.namespace, record.metadata?.name as string);
    const decoy = `${resourceName}-zzzzz`;
    await createCoTenantPod(client(), env.namespace, decoy);
    const unschedulable = '0/1 nodes are available: 1 Insufficient cpu.';
    const now = Date.now();
    const warn = (pod: string, reason: string, at: number, message: string) =>
      recordPodWarning(client(), env.namespace, {
        pod,
        reason,
        message,
        at,
        component: 'default-scheduler',
      });
    // The decoy's warning is the newer, which a pick by name alone would take.
    await warn(own, 'FailedScheduling', now, unschedulable);
    await warn(decoy, 'FailedMount', now + 2_000, 'secret "theirs" not found');
    // The record of the pod's deletion at the deadline has expired too (a failure read an
    // --event-ttl after it).
    const deleted = await vi.waitFor(async () => {
      const { items } = await client().list(resources.events, env.namespace, {
        fieldSelector: `involvedObject.uid=${job?.metadata?.uid},reason=SuccessfulDelete`,
      });
      expect(items).not.toHaveLength(0);
      return items;
    }, patience);
    for (const record of deleted)
      await client().delete(resources.events, env.namespace, record.metadata?.name as string);
    const failed = await settle(ex, withRef(wfe, resourceName));
    expect(failed).toMatchObject({ phase: 'Failed', failureReason: 'DeadlineExceeded' });
    expect(failed.message).toContain(`pod ${own}: FailedScheduling: ${unschedulable}`);
    expect(failed.message).not.toContain(decoy);
  });

  it("reads the failure of a Job whose events expired though an Event names a pod '<job>-a/../', which no pod can be named", async () => {
    const ex = executor({ [podControls.runSeconds]: '600' });
    const wfe = execution({ executionConfig: { timeout: '3s' } });
    const { resourceName } = await ex.create(wfe, env.namespace);
    const job = await client().get(resources.jobs, env.namespace, resourceName);
    // Whoever may write Events in the namespace names any object in one.
    await recordPodWarning(client(), env.namespace, {
      pod: `${resourceName}-a/../`,
      reason: 'FailedMount',
      message: 'secret "theirs" not found',
      at: Date.now(),
    });
    // The Job's own records of its pod have expired (a failure read an --event-ttl after it).
    const expire = (reason: string) =>
      vi.waitFor(async () => {
        const { items } = await client().list(resources.events, env.namespace, {
          fieldSelector: `involvedObject.uid=${job?.metadata?.uid},reason=${reason}`,
        });
        expect(items).not.toHaveLength(0);
        for (const record of items)
          await client().delete(resources.events, env.namespace, record.metadata?.name as string);
      }, patience);
    await expire('SuccessfulCreate');
    await expire('SuccessfulDelete');
    const failed = await settle(ex, withRef(wfe, resourceName));
    expect(failed).toMatchObject({
      phase: 'Failed',
      failureReason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
    });
  });

  it("knows its pod deleted at the deadline from the Job controller's record of the deletion once that of its creation expired, not a gone co-tenant's pod named alike", async () => {
    const c = client();
    const ex = executor({ [podControls.runSeconds]: '600' });
    const wfe = execution({ executionConfig: { timeout: '3s' } });
    const { resourceName } = await ex.create(wfe, env.namespace);
    const { name: own } = await onlyJobPod(c, env.namespace, resourceName);
    const job = await c.get(resources.jobs, env.namespace, resourceName);
    const created = await vi.waitFor(async () => {
      const { items } = await c.list(resources.events, env.namespace, {
        fieldSelector: `involvedObject.uid=${job?.metadata?.uid},reason=SuccessfulCreate`,
      });
      expect(items).not.toHaveLength(0);
      return items;
    }, patience);
    for (const record of created)
      await c.delete(resources.events, env.namespace, record.metadata?.name as string);
    // A co-tenant's pod named as the Job controller names the Job's, gone by the deadline.
    const decoy = `${resourceName}-yyyyy`;
    await createCoTenantPod(c, env.namespace, decoy);
    await c.delete(resources.pods, env.namespace, decoy);
    await vi.waitFor(async () => {
      expect(await c.get(resources.pods, env.namespace, decoy)).toBeNull();
    }, patience);
    const now = Date.now();
    await recordPodWarning(c, env.namespace, {
      pod: own,
      reason: 'FailedScheduling',
      message: '0/1 nodes are available: 1 Insufficient memory.',
      at: now,
      component: 'default-scheduler',
    });
    await recordPodWarning(c, env.namespace, {
      pod: decoy,
      reason: 'FailedMount',
      message: 'secret "theirs" not found',
      at: now + 2_000,
    });
    const failed = await settle(ex, withRef(wfe, resourceName));
    expect(failed).toMatchObject({ phase: 'Failed', failureReason: 'DeadlineExceeded' });
    expect(failed.message).toContain(`pod ${own}: FailedScheduling: 0/1 nodes are available`);
    expect(failed.message).not.toContain(decoy);
  });

  it("reads a Job's verdict from its Events after its TTL deleted it, and only its own", async () => {
    const ex = new JobExecutor(client(), { ttlSecondsAfterFinished: 1 });
    const previous = execution();
    const target = previous.spec.targetResource;
    // The previous execution on the target failed, and the TTL deleted its Job.
    const failing = new JobExecutor(client(), {
      ttlSecondsAfterFinished: 1,
      podAnnotations: { [podControls.exitCode]: '3' },
    });
    const first = await failing.create(previous, env.namespace);
    const before = started(previous, first.resourceName);
    await jobGone(first.resourceName);
    expect(await ex.getStatus(before, env.namespace)).toMatchObject({
      phase: 'Failed',
      reason: 'BackoffLimitExceeded',
      failureReason: 'TaskFailed',
      message: expect.stringMatching(/its verdict is from its Events/),
    });
    // A cooldown separates executions on one target; this one's is short.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // This execution's Job of the same name succeeds and is deleted while nobody watches.
    const wfe = execution({ targetResource: target });
    const { resourceName } = await ex.create(wfe, env.namespace);
    expect(resourceName).toBe(first.resourceName);
    const mine = started(wfe, resourceName);
    await jobGone(resourceName);
    expect(await ex.getStatus(mine, env.namespace)).toMatchObject({
      phase: 'Completed',
      reason: 'Complete',
      summary: { status: 'True', completedTasks: 1 },
    });
  });

  it('reports a Job deleted before it finished as gone (null)', async () => {
    const ex = executor({ [podControls.runSeconds]: '600' });
    const wfe = execution();
    const { resourceName } = await ex.create(wfe, env.namespace);
    const running = started(wfe, resourceName);
    await vi.waitFor(async () => {
      expect((await jobPods(client(), env.namespace, resourceName))[0]?.status?.phase).toBe(
        'Running',
      );
    }, patience);
    await client().delete(resources.jobs, env.namespace, resourceName, {
      propagationPolicy: 'Foreground',
    });
    await jobGone(resourceName);
    expect(await ex.getStatus(running, env.namespace)).toBeNull();
  });

  it('passes only the parameters the workflow declares into the Job, warning of the rest', async () => {
    const ex = executor();
    const wfe = execution({ parameters: { REPLICAS: '3', API_TOKEN: 'invented' } });
    const { resourceName, warnings } = await ex.create(wfe, env.namespace, {
      declaredParameterNames: ['REPLICAS'],
    });
    expect(warnings).toEqual([
      'parameters the workflow does not declare were not passed to it: API_TOKEN',
    ]);
    const job = await client().get<
      KubeObject & {
        spec: { template: { spec: { containers: { env: { name: string }[] }[] } } };
      }
    >(resources.jobs, env.namespace, resourceName);
    const names = job?.spec.template.spec.containers[0]?.env.map((e) => e.name);
    expect(names).toContain('REPLICAS');
    expect(names).not.toContain('API_TOKEN');
    await ex.cleanup(withRef(wfe, resourceName), env.namespace);
  });

  it('creates idempotently for the same execution (a controller retrying after a crash)', async () => {
    const ex = executor({ [podControls.runSeconds]: '600' });
    const wfe = execution();
    const first = await ex.create(wfe, env.namespace);
    const second = await ex.create(wfe, env.namespace);
    expect(second.resourceName).toBe(first.resourceName);
    const { items } = await client().list(resources.jobs, env.namespace, {
      labelSelector: `roundhouse.dev/workflow-execution=${wfe.metadata.name}`,
    });
    expect(items).toHaveLength(1);
  });

  it("never adopts a previous incarnation's Job: same name and namespace, another uid", async () => {
    const ex = executor({ [podControls.runSeconds]: '600' });
    const first = execution();
    await ex.create(first, env.namespace);
    const again = { ...first, metadata: { ...first.metadata, uid: 'uid-recreated' } };
    await expect(ex.create(again, env.namespace)).rejects.toBeInstanceOf(ResourceLockedError);
    expect(await ex.getStatus(again, env.namespace)).toBeNull();
    await ex.cleanup(again, env.namespace);
    expect(await ex.getStatus(first, env.namespace)).not.toBeNull();
  });

  it("never adopts a Job someone created under the lock's name with the execution's labels but not its uid", async () => {
    const ex = executor();
    const victim = execution();
    const name = executionResourceName(
      victim.spec.targetResource,
      roundhouseConventions.namePrefix,
    );
    const { labels } = executionMetadata(victim, 'job', roundhouseConventions);
    await client().create(resources.jobs, env.namespace, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, labels },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { annotations: { [podControls.runSeconds]: '600' } },
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'workflow', image: 'registry.invalid/planted:1' }],
          },
        },
      },
    });
    await expect(ex.create(victim, env.namespace)).rejects.toBeInstanceOf(ResourceLockedError);
    expect(await ex.getStatus(withRef(victim, name), env.namespace)).toBeNull();
    await ex.cleanup(withRef(victim, name), env.namespace);
    const planted = await client().get(resources.jobs, env.namespace, name);
    expect(planted?.metadata?.deletionTimestamp).toBeUndefined();
  });

  it('refuses a second execution on a busy target with ResourceLockedError naming the owner', async () => {
    const ex = executor({ [podControls.runSeconds]: '600' });
    const owner = execution();
    await ex.create(owner, env.namespace);
    const other = execution({ targetResource: owner.spec.targetResource });
    const error = await ex.create(other, env.namespace).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceLockedError);
    expect(error).toMatchObject({
      reason: 'ResourceLocked',
      retryable: true,
      owner: { name: owner.metadata.name, namespace: 'team-a' },
    });
  });

  it('reports a finished Job of another execution as not yet cleaned up', async () => {
    const ex = executor();
    const owner = execution();
    const { resourceName } = await ex.create(owner, env.namespace);
    expect(await settle(ex, withRef(owner, resourceName))).toMatchObject({ phase: 'Completed' });
    const error = await ex
      .create(execution({ targetResource: owner.spec.targetResource }), env.namespace)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreviousExecutionNotCleanedError);
    expect(
      await ex.getStatus(execution({ targetResource: owner.spec.targetResource }), env.namespace),
    ).toBeNull();
  });

  it('leaves the Job alone when cleanup comes from an execution that does not own it', async () => {
    const ex = executor({ [podControls.runSeconds]: '600' });
    const owner = execution();
    const { resourceName } = await ex.create(owner, env.namespace);
    const intruder = withRef(
      execution({ targetResource: owner.spec.targetResource }),
      resourceName,
    );
    await ex.cleanup(intruder, env.namespace);
    const job = await client().get(resources.jobs, env.namespace, resourceName);
    expect(isOwnedBy(job?.metadata, owner, roundhouseConventions)).toBe(true);
    expect(job?.metadata?.deletionTimestamp).toBeUndefined();
  });

  it('deletes the Job and its pods on cleanup, and again without error', async () => {
    const ex = executor({ [podControls.runSeconds]: '600' });
    const wfe = execution();
    const { resourceName } = await ex.create(wfe, env.namespace);
    await onlyJobPod(client(), env.namespace, resourceName);
    await ex.cleanup(withRef(wfe, resourceName), env.namespace);
    await ex.cleanup(withRef(wfe, resourceName), env.namespace);
    await vi.waitFor(async () => {
      expect(await client().get(resources.jobs, env.namespace, resourceName)).toBeNull();
      expect(await jobPods(client(), env.namespace, resourceName)).toHaveLength(0);
    }, patience);
    expect(await ex.getStatus(withRef(wfe, resourceName), env.namespace)).toBeNull();
  });

  it('mounts dependency Secrets and ConfigMaps read-only in the pod the Job creates', async () => {
    const c = client();
    await c.create(resources.secrets, env.namespace, {
      metadata: { name: 'db-creds' },
      stringData: { password: 'canary-1f2e' },
    });
    await c.create(resources.configMaps, env.namespace, {
      metadata: { name: 'settings' },
      data: { level: 'debug' },
    });
    const ex = executor({ [podControls.runSeconds]: '600' });
    const wfe = execution();
    const { resourceName } = await ex.create(wfe, env.namespace, {
      dependencies: { secrets: [{ name: 'db-creds' }], configMaps: [{ name: 'settings' }] },
    });
    const { pod } = await onlyJobPod(c, env.namespace, resourceName);
    const spec = pod?.spec as {
      volumes: unknown[];
      containers: { name: string; volumeMounts: unknown[]; env: { name: string }[] }[];
      serviceAccountName: string;
    };
    expect(spec.volumes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'secret-db-creds',
          secret: expect.objectContaining({ secretName: 'db-creds' }),
        }),
        expect.objectContaining({
          name: 'configmap-settings',
          configMap: expect.objectContaining({ name: 'settings' }),
        }),
      ]),
    );
    expect(spec.containers[0]?.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'secret-db-creds', mountPath: '/run/roundhouse/secrets/db-creds', readOnly: true },
        {
          name: 'configmap-settings',
          mountPath: '/run/roundhouse/configmaps/settings',
          readOnly: true,
        },
      ]),
    );
    expect(spec.containers[0]?.env.map((e) => e.name)).toEqual([
      'TARGET_RESOURCE',
      'REPLICAS',
      'HOME',
      'TMPDIR',
    ]);
    expect(spec.serviceAccountName).toBe('roundhouse-workflow-runner');
    expect(JSON.stringify(pod)).not.toContain('canary-1f2e');
  });

  it("gives the Job's pod no service links, which the API server would otherwise turn on", async () => {
    const c = client();
    const ex = executor({ [podControls.runSeconds]: '600' });
    const { resourceName } = await ex.create(execution(), env.namespace);
    const { pod } = await onlyJobPod(c, env.namespace, resourceName);
    // Off, the kubelet puts no variable naming a Service of the namespace in the environment.
    expect(pod?.spec).toMatchObject({ enableServiceLinks: false });
  });

  /** A new namespace whose ResourceQuota allows no pod, once quota admission enforces it. */
  async function namespaceAllowingNoPods(prefix: string): Promise<string> {
    const namespace = await env.controlPlane.createNamespace(prefix);
    await env.controlPlane.createEnforcedQuota(namespace, 'no-pods', { pods: '0' });
    return namespace;
  }

  it('fails with the cause when the Job may not create its pod, instead of running until its deadline', async () => {
    const namespace = await namespaceAllowingNoPods('job-quota');
    const ex = new JobExecutor(client(), { startupGraceMs: 0 });
    const wfe = execution();
    const { resourceName } = await ex.create(wfe, namespace);
    const status = await settle(ex, withRef(wfe, resourceName), namespace);
    expect(status).toMatchObject({
      phase: 'Failed',
      reason: 'StartFailed',
      failureReason: 'ResourceExhausted',
    });
    expect(status.message).toContain('exceeded quota: no-pods');
  });

  it("refuses a Job the namespace's quota has no room for as ResourceExhausted, without the quota's figures", async () => {
    const namespace = await env.controlPlane.createNamespace('job-count-quota');
    await env.controlPlane.createEnforcedQuota(namespace, 'no-jobs', { 'count/jobs.batch': '0' });
    const refusal = await new JobExecutor(client()).create(execution(), namespace).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(QuotaExceededError);
    expect(refusal).toMatchObject({ reason: 'ResourceExhausted' });
    const { message } = refusal as Error;
    expect(message).toMatch(
      /^the API server refused the Job: jobs.batch "[^"]*" is forbidden: exceeded quota: no-jobs, resources: count\/jobs.batch$/,
    );
    expect(message).not.toContain('used:');
  });

  it("fails with the cause when pod security admission refuses the Job's pod", async () => {
    const namespace = await env.controlPlane.createNamespace('job-psa');
    await client().patch(resources.namespaces, undefined, namespace, {
      metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    });
    // Without the restricted security context, the pod violates the namespace's profile.
    const ex = new JobExecutor(client(), { startupGraceMs: 0, securityProfile: 'none' });
    const wfe = execution();
    const { resourceName } = await ex.create(wfe, namespace);
    const status = await settle(ex, withRef(wfe, resourceName), namespace);
    expect(status).toMatchObject({
      phase: 'Failed',
      reason: 'StartFailed',
      failureReason: 'ConfigurationError',
    });
    expect(status.message).toMatch(/is forbidden: violates PodSecurity "restricted:latest"/);
  });

  it('says why a Job that reached its deadline never had a pod: the quota refused it', async () => {
    const namespace = await namespaceAllowingNoPods('job-quota-deadline');
    // A deadline shorter than the startup grace: the Job fails before the start is looked at.
    const ex = new JobExecutor(client(), { startupGraceMs: 600_000 });
    const wfe = execution({ executionConfig: { timeout: '2s' } });
    const { resourceName } = await ex.create(wfe, namespace);
    const status = await settle(ex, withRef(wfe, resourceName), namespace);
    expect(status).toMatchObject({
      phase: 'Failed',
      reason: 'DeadlineExceeded',
      failureReason: 'DeadlineExceeded',
    });
    expect(status.message).toMatch(
      /; the Job could not create its pod: Error creating: pods "[^"]*" is forbidden: exceeded quota: no-pods/,
    );
  });

  it('fails a Job whose pod the API server refuses only after the startup grace, at a look it asked for', async () => {
    const c = client();
    const namespace = await namespaceAllowingNoPods('job-late-refusal');
    // A policy engine that is down: its webhook, called before the quota is checked, fails
    // every pod create in a way the Job controller retries.
    const removeWebhook = await unreachablePodWebhook(c, namespace);
    onTestFinished(removeWebhook);
    const ex = new JobExecutor(c, { startupGraceMs: 0 });
    const wfe = execution();
    const { resourceName } = await ex.create(wfe, namespace);
    const ref = withRef(wfe, resourceName);
    await vi.waitFor(async () => {
      const { items } = await c.list<KubeObject & { message?: string }>(
        resources.events,
        namespace,
        { fieldSelector: 'reason=FailedCreate' },
      );
      expect(items.map((e) => e.message).join()).toContain('failed calling webhook');
    }, patience);
    // Past the grace, with only a refusal the Job controller retries: still Running.
    expect(await ex.getStatus(ref, namespace)).toMatchObject({ phase: 'Running' });
    // The policy engine is back: the Job controller's next try (at most a minute on) meets the
    // full quota and is refused for good, which changes nothing on the Job.
    await removeWebhook();
    const status = await followHints(ex, ref, namespace, patience.timeout);
    expect(status).toMatchObject({
      phase: 'Failed',
      reason: 'StartFailed',
      failureReason: 'ResourceExhausted',
    });
    expect(status?.message).toContain('exceeded quota: no-pods');
  });

  it('rejects bad input before creating anything', async () => {
    const ex = executor();
    const wfe = execution({ parameters: { TARGET_RESOURCE: 'x' } });
    await expect(ex.create(wfe, env.namespace)).rejects.toMatchObject({
      reason: 'ConfigurationError',
    });
    expect(await ex.getStatus(wfe, env.namespace)).toBeNull();
  });

  it('UT-WE-1761-001: refuses an execution for another cluster, even one its caller never parsed, creating no Job', async () => {
    const ex = executor();
    const wfe = execution({ clusterID: 'spoke-1' });
    await expect(ex.create(wfe, env.namespace)).rejects.toMatchObject({
      reason: 'ConfigurationError',
      issues: [{ path: 'spec.clusterID', message: expect.stringContaining('"spoke-1"') }],
    });
    expect(await ex.getStatus(wfe, env.namespace)).toBeNull();
  });
});
