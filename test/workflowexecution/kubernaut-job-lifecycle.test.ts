import { executionResourceName } from '@roundhouse/core';
import { describeWithControlPlane, podControls } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { expect, it, vi } from 'vitest';
import { useController } from './controller-fixture.js';
import { condition, type Manifest, manifest, patience } from './harness.js';
import { kubernautShaped } from './kubernaut-e2e.js';
import { kubernautJobs } from './kubernaut-job-controller.js';

/*
 * kubernaut's job-engine integration cases (test/integration/workflowexecution/
 * job_lifecycle_integration_test.go at d5a4a87, IT-WE-014-0xx) through a controller with the
 * kubernaut preset; a real Job controller runs the Jobs where kubernaut's envtest writes their
 * status. Its AuditRecorded cases (IT-WE-014-011) and its empty default ServiceAccount are
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

    it("IT-WE-014-001/003/005/006/012: one Job, named by the target's lock, with kubernaut's labels, container and env, recorded as executionRef, to Completed with no failure", async () => {
      await start({ [podControls.runSeconds]: '3' });
      const wfe = await cluster.apply(kubernautExecution());
      const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
      const { job, container, variables } = await onlyJobOf(running, 'test-workflow');
      expect(job.metadata?.name).toBe(executionResourceName(wfe.spec.targetResource));
      expect(container.name).toBe('workflow');
      expect(variables).toMatchObject({
        TARGET_RESOURCE: wfe.spec.targetResource,
        REMEDIATION_TYPE: 'restart',
        TIMEOUT: '300',
      });

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

    it('IT-WE-014-016/017: a second execution on the target of a running one fails Deduplicated, naming it, and the first runs on', async () => {
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
    });
  },
);
