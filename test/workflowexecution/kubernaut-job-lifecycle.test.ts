import { executionResourceName } from '@roundhouse/core';
import { describeWithControlPlane, podControls } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { expect, it, vi } from 'vitest';
import { finishJobPod } from '../../packages/job/test/drive.js';
import { onlyJobPod } from '../../packages/job/test/only-job-pod.js';
import { recordPodWarning } from '../../packages/job/test/pod-warning.js';
import { useController } from './controller-fixture.js';
import { condition, type Manifest, manifest, patience } from './harness.js';
import { kubernautShaped } from './kubernaut-e2e.js';
import { kubernautJobs } from './kubernaut-job-controller.js';

/*
 * kubernaut's job-engine integration cases (test/integration/workflowexecution/
 * job_lifecycle_integration_test.go at d5a4a87, IT-WE-014-0xx) through a controller with the
 * kubernaut preset; a real Job controller runs the Jobs where kubernaut's envtest writes their
 * status. Its AuditRecorded cases (IT-WE-014-011, IT-WE-019-003, IT-WE-019-004), its empty default
 * ServiceAccount (IT-WE-014-003), its pod failure policy (IT-WE-019-002) and its Job created for
 * a missing dependency (IT-WE-1481-001, dependency_resolution_integration_test.go) are
 * deliberate differences (see docs/conventions.md).
 */
describeWithControlPlane(
  'kubernaut job lifecycle integration cases under the kubernaut preset',
  () => {
    const cluster = useController('wfe-kn-jobit');
    const { client, env } = cluster;
    const { start, jobsOf, onlyJobOf, failedOnceJobDeleted } = kubernautJobs(cluster);

    /** kubernaut's createUniqueJobWFE: the engine on workflowRef, its parameters. */
    const kubernautExecution = (target?: string): Manifest =>
      kubernautShaped(
        manifest({
          parameters: { REMEDIATION_TYPE: 'restart', TIMEOUT: '300' },
          ...(target ? { target } : {}),
        }),
        'job',
        { workflowId: 'test-workflow' },
      );

    it("IT-WE-014-001 / IT-WE-014-003 / IT-WE-014-005 / IT-WE-014-006 / IT-WE-014-012 / IT-WE-006-005 / IT-WE-019-002 (a deliberate difference): one Job, named by the target's lock, with kubernaut's labels, container and env and no dependency volume, recorded as executionRef, to Completed with no failure", async () => {
      await start({ [podControls.runSeconds]: '3' });
      const wfe = await cluster.apply(kubernautExecution());
      const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
      const { job, container, variables } = await onlyJobOf(running, 'test-workflow');
      expect(job.metadata?.name).toBe(executionResourceName(wfe.spec.targetResource));
      expect(container.name).toBe('workflow');
      expect(container.image).toBe(wfe.spec.workflowRef.executionBundle);
      expect(variables).toMatchObject({
        TARGET_RESOURCE: wfe.spec.targetResource,
        REMEDIATION_TYPE: 'restart',
        TIMEOUT: '300',
      });
      // kubernaut d5a4a87 leaves the account empty (the namespace's default); the preset keeps
      // its runner, as docs/conventions.md's "default ServiceAccount" row says.
      const pod = job.spec.template.spec as { serviceAccountName?: string };
      expect(pod.serviceAccountName).toBe('kubernaut-workflow-runner');
      // IT-WE-006-005: an execution that declares no dependency mounts none.
      const volumes = (job.spec.template.spec.volumes ?? []).map((v) => v.name);
      expect(volumes.filter((v) => /^(secret|configmap)-/.test(v))).toEqual([]);
      // IT-WE-019-002 expects d5a4a87's pod failure policy, which runs a killed workflow again;
      // here a workflow runs once (docs/conventions.md, "a Job's pod failure policy").
      expect(job.spec).not.toHaveProperty('podFailurePolicy');

      const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
      expect(done.status?.failureDetails).toBeUndefined();
      expect(condition(done, 'ExecutionComplete')?.status).toBe('True');
    });

    it('IT-WE-014-002: a Job whose workflow fails fails the execution, with failure details', async () => {
      await start({ [podControls.runSeconds]: '1', [podControls.exitCode]: '1' });
      const wfe = await cluster.apply(kubernautExecution());
      const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
      expect(failed.status?.failureDetails).toMatchObject({
        reason: 'TaskFailed',
        wasExecutionFailure: true,
      });
      expect(condition(failed, 'ExecutionComplete')?.status).toBe('False');
    });

    it('IT-WE-014-004: deleting the execution deletes its Job, the finalizer holding it until then', async () => {
      await start({ [podControls.runSeconds]: '600' });
      const wfe = await cluster.apply(kubernautExecution());
      const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
      const stored = await client().get(workflowExecutions, env.namespace, wfe.metadata.name);
      expect(stored?.metadata?.finalizers?.length).toBeGreaterThan(0);
      await client().delete(workflowExecutions, env.namespace, wfe.metadata.name);
      await vi.waitFor(async () => {
        expect(await cluster.read(wfe.metadata.name)).toBeNull();
        expect(await jobsOf(wfe.metadata.name)).toEqual([]);
      }, patience);
      expect(running.status?.executionRef?.name).toBeTruthy();
    });

    it('IT-WE-014-010: an execution whose Job someone deleted fails, saying it was deleted', async () => {
      const failed = await failedOnceJobDeleted(kubernautExecution());
      expect(failed.status?.failureDetails?.message).toMatch(/deleted/);
    });

    it('IT-WE-014-016 / IT-WE-014-017: a second execution on the target of a running one fails Deduplicated, naming it, and the first runs on to Completed', async () => {
      // The first runs for as long as the test: one that ended would hold the second back for
      // the cooldown instead.
      await start({ [podControls.runSeconds]: '600' });
      const target = `prod/deployment/dedup-${Date.now()}`;
      const first = await cluster.apply(kubernautExecution(target));
      await cluster.waitForPhase(first.metadata.name, 'Running');
      const second = await cluster.apply(kubernautExecution(target));
      const failed = await cluster.waitForPhase(second.metadata.name, 'Failed');
      expect(failed.status?.failureDetails).toMatchObject({
        reason: 'Deduplicated',
        wasExecutionFailure: false,
      });
      expect(failed.status?.failureDetails?.message).toContain('already exists');
      expect(failed.status?.deduplicatedBy).toBe(first.metadata.name);
      const holder = await cluster.read(first.metadata.name);
      expect(holder?.status?.phase).toBe('Running');
      expect(holder?.status?.failureDetails).toBeUndefined();
      // Its workflow ends well, as kubernaut's simulateJobCompletion ends it.
      await finishJobPod(
        client(),
        cluster.executionNamespace,
        holder?.status?.executionRef?.name as string,
        0,
      );
      const done = await cluster.waitForPhase(first.metadata.name, 'Completed');
      expect(done.status?.failureDetails).toBeUndefined();
    });

    it("IT-WE-019-001: the workflow's workflowRef.resources are the Job container's", async () => {
      await start({ [podControls.runSeconds]: '600' });
      const base = kubernautExecution();
      const wfe = await cluster.apply({
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
      } as Manifest);
      const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
      const { container } = await onlyJobOf(running, 'test-workflow');
      expect((container as { resources?: object }).resources).toEqual({
        requests: { cpu: '100m', memory: '128Mi' },
        limits: { cpu: '500m', memory: '256Mi' },
      });
    });

    it("IT-WE-1645-001: the kubelet's image-pull failure of the Job's pod is in the failed execution's failureDetails.message", async () => {
      await start({ [podControls.runSeconds]: '600' });
      // The Job fails at its deadline, as a pod whose image never pulls would; long enough for
      // the event below to be written before it, however loaded the machine.
      const wfe = await cluster.apply(kubernautShaped(manifest({ timeout: '20s' }), 'job'));
      const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
      const { name: pod } = await onlyJobPod(
        client(),
        cluster.executionNamespace,
        running.status?.executionRef?.name as string,
      );
      // kubernaut's message; the fake node pulls no image, so the test writes the kubelet's event.
      const pull =
        'Failed to pull image "quay.io/kubernaut/nonexistent-1645:v1": rpc error: code = NotFound desc = manifest unknown';
      await recordPodWarning(client(), cluster.executionNamespace, {
        pod,
        reason: 'Failed',
        message: pull,
      });
      const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
      expect(failed.status?.failureDetails?.message).toContain('manifest unknown');
    });
  },
);
