import { formatKubeTime } from '@roundhouse/core';
import { type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it } from 'vitest';
import { useController } from './controller-fixture.js';
import { jobRegistry, type Manifest } from './harness.js';

/**
 * kubernaut writes WorkflowExecutions in a second shape since its #1661: the workflow's catalog
 * snapshot in `spec.workflowRef` carries the engine, ServiceAccount, dependencies, container
 * resources and declared parameters, and `spec.timesOutAt` the deadline. The controller runs
 * such an execution on a real Job with each of them honoured, and refuses a remote cluster.
 */
describeWithControlPlane(
  "WorkflowExecution controller with kubernaut's catalog-snapshot shape",
  () => {
    const cluster = useController('wfe-snapshot');
    const { env, client } = cluster;
    let sequence = 0;

    beforeAll(async () => {
      await client().create(resources.serviceAccounts, cluster.executionNamespace, {
        metadata: { name: 'restarter' },
      });
      await client().create(resources.secrets, cluster.executionNamespace, {
        metadata: {
          name: 'db',
          annotations: { 'roundhouse.dev/allowed-namespaces': env.namespace },
        },
        stringData: { password: 'not-in-any-log' },
      });
    });

    const start = (runSeconds: number) =>
      cluster.start({
        registry: jobRegistry(env.kubeConfig, { runSeconds }),
        cooldownMs: 60_000,
        policy: { bundles: ['registry.invalid/*'], serviceAccounts: ['restarter'] },
      });

    /** An execution as kubernaut's RemediationOrchestrator writes it at d5a4a87. */
    function snapshot(spec: Record<string, unknown> = {}): Manifest {
      sequence += 1;
      return {
        apiVersion: 'roundhouse.dev/v1alpha1',
        kind: 'WorkflowExecution',
        metadata: { name: `we-rr-${sequence}` },
        spec: {
          remediationRequestRef: { name: `rr-${sequence}`, namespace: env.namespace },
          workflowRef: {
            workflowId: '6f1c2d3e-0000-4000-8000-000000000001',
            workflowName: 'restart-deployment',
            actionType: 'RestartDeployment',
            version: '1.0.0',
            executionBundle: 'registry.invalid/restart:1',
            executionEngine: 'job',
            serviceAccountName: 'restarter',
            dependencies: { secrets: [{ name: 'db' }] },
            resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { memory: '64Mi' } },
            declaredParameterNames: { REPLICAS: true },
          },
          targetResource: `${env.namespace}/deployment/app-${sequence}`,
          parameters: { REPLICAS: '3', INVENTED: 'by-an-llm' },
          ...spec,
        } as unknown as Manifest['spec'],
      };
    }

    it('runs one to Completed on a Job that carries every snapshot field, ending by timesOutAt', async () => {
      await start(1);
      const timesOutAt = formatKubeTime(new Date(Date.now() + 20 * 60_000));
      const wfe = await cluster.apply(snapshot({ timesOutAt }));
      const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
      const [job] = (await cluster.jobsOf(wfe.metadata.name)) as (KubeObject & {
        spec: {
          activeDeadlineSeconds: number;
          template: {
            spec: {
              serviceAccountName: string;
              volumes: { secret?: { secretName: string } }[];
              containers: { env: { name: string }[]; resources: unknown }[];
            };
          };
        };
      })[];
      expect(job?.metadata?.name).toBe(running.status?.executionRef?.name);
      // The Job was created within seconds of the apply, so its deadline is 20 minutes less those.
      expect(job?.spec.activeDeadlineSeconds).toBeGreaterThan(20 * 60 - 60);
      expect(job?.spec.activeDeadlineSeconds).toBeLessThanOrEqual(20 * 60);
      const pod = job?.spec.template.spec;
      expect(pod?.serviceAccountName).toBe('restarter');
      expect(pod?.volumes.some((v) => v.secret?.secretName === 'db')).toBe(true);
      const env0 = pod?.containers[0]?.env.map((e) => e.name);
      expect(env0).toContain('REPLICAS');
      expect(env0).not.toContain('INVENTED');
      expect(pod?.containers[0]?.resources).toEqual({
        requests: { cpu: '50m', memory: '32Mi' },
        limits: { memory: '64Mi' },
      });
      await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    });

    it('fails one whose timesOutAt passes while its Job runs as DeadlineExceeded', async () => {
      await start(600);
      const timesOutAt = formatKubeTime(new Date(Date.now() + 3_000));
      const wfe = await cluster.apply(snapshot({ timesOutAt }));
      const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
      expect(failed.status?.failureDetails).toMatchObject({
        reason: 'DeadlineExceeded',
        wasExecutionFailure: true,
      });
    });

    it('fails one whose timesOutAt passed before it could start as DeadlineExceeded, creating no Job', async () => {
      await start(1);
      const timesOutAt = formatKubeTime(new Date(Date.now() - 60_000));
      const wfe = await cluster.apply(snapshot({ timesOutAt }));
      const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
      expect(failed.status?.failureDetails).toMatchObject({
        reason: 'DeadlineExceeded',
        wasExecutionFailure: false,
      });
      expect(failed.status?.failureDetails?.message).toContain(
        'passed before the execution could start',
      );
      expect(await cluster.jobsOf(wfe.metadata.name)).toHaveLength(0);
    });

    it('refuses a remote clusterID as ConfigurationError, creating no Job', async () => {
      await start(1);
      const wfe = await cluster.apply(snapshot({ clusterID: 'spoke-1' }));
      // Read raw: the spec does not validate, which is the point.
      const failed = await cluster.waitForStoredPhase(wfe.metadata.name, 'Failed');
      expect(failed.status?.failureDetails).toMatchObject({
        reason: 'ConfigurationError',
        wasExecutionFailure: false,
      });
      expect(failed.status?.failureDetails?.message).toContain('spec.clusterID');
      expect(await cluster.jobsOf(wfe.metadata.name)).toHaveLength(0);
    });
  },
);
