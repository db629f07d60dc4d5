import { executionResourceName, kubernautConventions, Registry } from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane, podControls } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { expect, it, vi } from 'vitest';
import { useController } from './controller-fixture.js';
import { condition, type Manifest, manifest, patience } from './harness.js';
import { kubernautShaped } from './kubernaut-e2e.js';

/*
 * kubernaut's job-engine integration cases (test/integration/workflowexecution/
 * job_lifecycle_integration_test.go at d5a4a87, IT-WE-014-0xx) through a controller with the
 * kubernaut preset; a real Job controller runs the Jobs where kubernaut's envtest writes their
 * status. Its AuditRecorded cases (IT-WE-014-011) and its empty default ServiceAccount are
 * deliberate differences (see docs/conventions.md).
 */
type JobObject = KubeObject & {
  spec: {
    backoffLimit?: number;
    template: {
      spec: {
        containers: { name: string; image: string; env?: { name: string; value?: string }[] }[];
      };
    };
  };
};

describeWithControlPlane(
  'kubernaut job lifecycle integration cases under the kubernaut preset',
  () => {
    const cluster = useController('wfe-kn-jobit');
    const { client, env } = cluster;

    /** A controller whose Jobs' pods run `runSeconds`, then exit with `exitCode`. */
    const start = (pod: { runSeconds?: number; exitCode?: number }) =>
      cluster.start({
        registry: (reader) =>
          new Registry().register(
            new JobExecutor(client(), {
              conventions: kubernautConventions,
              podAnnotations: {
                [podControls.runSeconds]: String(pod.runSeconds ?? 1),
                ...(pod.exitCode === undefined
                  ? {}
                  : { [podControls.exitCode]: String(pod.exitCode) }),
              },
              reader,
            }),
          ),
        cooldownMs: 60_000,
        policy: { bundles: ['registry.invalid/*'], dependencyOptIn: false },
      });

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

    const jobsOf = async (wfeName: string) => {
      const { items } = await client().list<JobObject>(resources.jobs, cluster.executionNamespace, {
        labelSelector: `kubernaut.ai/workflow-execution=${wfeName}`,
      });
      return items;
    };

    it("IT-WE-014-001/003/005/006/012: one Job, named by the target's lock, with kubernaut's labels, container and env, recorded as executionRef, to Completed with no failure", async () => {
      await start({ runSeconds: 3 });
      const wfe = await cluster.apply(kubernautExecution());
      const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
      const jobs = await jobsOf(wfe.metadata.name);
      expect(jobs).toHaveLength(1);
      const [job] = jobs as [JobObject];
      expect(job.metadata?.name).toBe(executionResourceName(wfe.spec.targetResource));
      expect(running.status?.executionRef?.name).toBe(job.metadata?.name);
      expect(job.metadata?.labels).toMatchObject({
        'kubernaut.ai/workflow-execution': wfe.metadata.name,
        'kubernaut.ai/workflow-id': 'test-workflow',
        'kubernaut.ai/execution-engine': 'job',
      });
      expect(job.spec.backoffLimit).toBe(0);
      const [container, ...others] = job.spec.template.spec.containers;
      expect(others).toEqual([]);
      expect(container?.name).toBe('workflow');
      const variables = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]));
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
      await start({ exitCode: 1 });
      const wfe = await cluster.apply(kubernautExecution());
      const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
      expect(failed.status?.failureDetails).toMatchObject({
        reason: 'TaskFailed',
        wasExecutionFailure: true,
      });
      expect(condition(failed, 'ExecutionComplete')?.status).toBe('False');
    });

    it('IT-WE-014-004: deleting the execution deletes its Job, the finalizer holding it until then', async () => {
      await start({ runSeconds: 600 });
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
      await start({ runSeconds: 600 });
      const wfe = await cluster.apply(kubernautExecution());
      const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
      await client().delete(
        resources.jobs,
        cluster.executionNamespace,
        running.status?.executionRef?.name as string,
        { propagationPolicy: 'Background' },
      );
      const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
      expect(failed.status?.failureDetails?.message).toMatch(/deleted/);
    });

    it('IT-WE-014-016/017: a second execution on the target of a running one fails Deduplicated, naming it, and the first runs on', async () => {
      // The first runs for as long as the test: one that ended would hold the second back for
      // the cooldown instead.
      await start({ runSeconds: 600 });
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
