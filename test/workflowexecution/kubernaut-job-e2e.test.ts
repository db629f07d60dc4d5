import { describeWithControlPlane, podControls } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it } from 'vitest';
import { useController } from './controller-fixture.js';
import { condition, type Manifest, manifest } from './harness.js';
import { createDependencies, expectKubernautCompletion, kubernautShaped } from './kubernaut-e2e.js';
import { type KubernautJob, kubernautJobs } from './kubernaut-job-controller.js';

/*
 * kubernaut's job-engine E2E cases (test/e2e/workflowexecution/03_job_backend_test.go and
 * 04_dependency_injection_test.go at d5a4a87) through a controller with the kubernaut preset:
 * the Jobs are found by `kubernaut.ai/workflow-execution`, as those tests find them. Its
 * E2E-WE-019-001 (exit 137 tolerated by a pod failure policy) is a deliberate difference (see
 * docs/conventions.md), and its missing-Secret case is refused before a Job exists.
 */
/** The workflow kubernaut's createTestJobWFE names. */
const WORKFLOW_ID = '8a3c1f52-5b6e-4bb4-9e0e-2d6c9f0b1a77';

describeWithControlPlane('kubernaut job E2E cases under the kubernaut preset', () => {
  const cluster = useController('wfe-kn-job');
  const { client } = cluster;
  const { start, jobsOf, onlyJobOf, failedOnceJobDeleted } = kubernautJobs(cluster);

  beforeAll(async () => {
    await createDependencies(client(), cluster.executionNamespace, {
      secret: 'e2e-dep-secret',
      configMap: 'e2e-dep-configmap',
    });
  });

  /** kubernaut's createTestJobWFE: a MESSAGE parameter, the engine and its dependencies on workflowRef. */
  const kubernautExecution = (dependencies?: {
    secrets?: { name: string }[];
    configMaps?: { name: string }[];
  }): Manifest =>
    kubernautShaped(manifest({ parameters: { MESSAGE: 'E2E Job test message' } }), 'job', {
      dependencies,
      workflowId: WORKFLOW_ID,
    });

  it('E2E-WE-014-001 / E2E-WE-014-003 / E2E-WE-014-004 / E2E-WE-014-006: runs one deterministically named Job with kubernaut labels, env and spec to Completed', async () => {
    await start({ [podControls.runSeconds]: '3' });
    const wfe = await cluster.apply(kubernautExecution());
    const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
    const { job, container, variables } = await onlyJobOf(running, WORKFLOW_ID);
    expect(job.metadata?.name).toMatch(/^wfe-[0-9a-f]{16}$/);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(container.image.startsWith(wfe.spec.workflowRef.executionBundle)).toBe(true);
    expect(variables).toMatchObject({
      TARGET_RESOURCE: wfe.spec.targetResource,
      MESSAGE: 'E2E Job test message',
    });
    // E2E-WE-006-003: no dependency volumes without dependencies.
    const volumes = (job.spec.template.spec.volumes ?? []).map((v) => v.name);
    expect(volumes.filter((v) => /^(secret|configmap)-/.test(v))).toEqual([]);

    const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    expect(done.status?.executionStatus?.completedTasks).toBe(1);
    expectKubernautCompletion(done);
  });

  it('E2E-WE-014-002 / E2E-WE-019-002: a Job whose workflow fails counts one pod failure and stays for the cooldown', async () => {
    await start({ [podControls.exitCode]: '1' });
    const wfe = await cluster.apply(kubernautExecution());
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails?.message).not.toBe('');
    expect(condition(failed, 'ExecutionComplete')?.status).toBe('False');
    const jobs = await jobsOf(wfe.metadata.name);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.status?.failed).toBe(1);
  });

  it('E2E-WE-014-007: fails an execution whose Job someone deleted, saying so', async () => {
    const failed = await failedOnceJobDeleted(kubernautExecution());
    expect(failed.status?.failureDetails?.message).toMatch(/deleted/);
  });

  it('E2E-WE-006-001 / E2E-WE-006-005 / IT-WE-006-002: mounts a declared Secret and ConfigMap read-only under /run/kubernaut', async () => {
    await start({ [podControls.runSeconds]: '600' });
    const wfe = await cluster.apply(
      kubernautExecution({
        secrets: [{ name: 'e2e-dep-secret' }],
        configMaps: [{ name: 'e2e-dep-configmap' }],
      }),
    );
    await cluster.waitForPhase(wfe.metadata.name, 'Running');
    const [job] = (await jobsOf(wfe.metadata.name)) as [KubernautJob];
    expect(job.spec.template.spec.volumes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'secret-e2e-dep-secret',
          secret: expect.objectContaining({ secretName: 'e2e-dep-secret' }),
        }),
        expect.objectContaining({
          name: 'configmap-e2e-dep-configmap',
          configMap: expect.objectContaining({ name: 'e2e-dep-configmap' }),
        }),
      ]),
    );
    expect(job.spec.template.spec.containers[0]?.volumeMounts).toEqual(
      expect.arrayContaining([
        {
          name: 'secret-e2e-dep-secret',
          mountPath: '/run/kubernaut/secrets/e2e-dep-secret',
          readOnly: true,
        },
        {
          name: 'configmap-e2e-dep-configmap',
          mountPath: '/run/kubernaut/configmaps/e2e-dep-configmap',
          readOnly: true,
        },
      ]),
    );
  });

  // kubernaut HEAD creates the Job and names the Secret from the pod's FailedMount
  // (IT-WE-1481-001); Roundhouse refuses the execution first (docs/conventions.md, "a dependency
  // that does not exist").
  it('E2E-WE-006-002 / IT-WE-1481-001 (a deliberate difference): fails an execution whose declared Secret is gone, naming it (before any Job, by design)', async () => {
    await start({ [podControls.runSeconds]: '2' });
    const wfe = await cluster.apply(
      kubernautExecution({ secrets: [{ name: 'e2e-dep-secret-gone' }] }),
    );
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails?.message).toContain('e2e-dep-secret-gone');
    expect(await jobsOf(wfe.metadata.name)).toEqual([]);
  });
});
