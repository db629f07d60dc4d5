import {
  executionResourceName,
  kubernautConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane, podControls } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import { useController } from './controller-fixture.js';
import { condition, eventsAbout, jobRegistry, manifest, patience } from './harness.js';
import { kubernautShaped } from './kubernaut-e2e.js';
import { kubernautJobs } from './kubernaut-job-controller.js';

/*
 * kubernaut's controller-level cases at d5a4a87 (pkg/workflowexecution/controller_test.go) that
 * call MarkCompleted and MarkFailed directly, here through a running controller on a real Job:
 * UT-WE-375-001/002 (the end of a Completed or Failed execution schedules its lock release for
 * the cooldown), UT-WE-375-003 (a cooldown of 0) and UT-WE-ES-001 (the engine's summary is
 * persisted as status.executionStatus). The test writes nothing once an execution has ended: the
 * release is the controller's own doing after the cooldown, as kubernaut's RequeueAfter is.
 * Its IT-WE-2176-001 is catalog-snapshot.test.ts ("ending by timesOutAt"), and its
 * IT-WE-006-001/002/005 are kubernaut-job-e2e.test.ts (E2E-WE-006-001/005 and -003).
 * Its #190 cases (UT-WE-190-001/003/008, a target held by a Job kubernaut's own controller
 * made) run under the kubernaut preset, whose resources carry no uid annotation.
 */
describeWithControlPlane("kubernaut's controller cases through the controller", () => {
  const cluster = useController('wfe-kn-ctl');
  const { env, client } = cluster;

  const jobExists = async (name: string) =>
    (await client().get(resources.jobs, cluster.executionNamespace, name)) !== null;

  /** Waits for the Job's deletion, the LockReleased Event and the condition that goes with it. */
  const waitForLockRelease = (wfe: WorkflowExecution, phase: 'Completed' | 'Failed') => {
    const job = wfe.status?.executionRef?.name as string;
    return vi.waitFor(async () => {
      expect(await jobExists(job)).toBe(false);
      const events = await eventsAbout(client(), env.namespace, wfe.metadata.name);
      expect(events.map((e) => e.reason)).toContain('LockReleased');
      const released = await cluster.read(wfe.metadata.name);
      expect(released?.status?.phase).toBe(phase);
      expect(condition(released, 'LockReleased')?.status).toBe('True');
    }, patience);
  };

  it.each([
    ['UT-WE-375-001', 'Completed', {}],
    ['UT-WE-375-002', 'Failed', { exitCode: 1 }],
  ] as const)(
    '%s: releases the lock of a %s execution once its cooldown ends, with nothing written to it',
    async (_id, phase, pod) => {
      const cooldownMs = 10_000;
      await cluster.start({
        registry: jobRegistry(env.kubeConfig, { runSeconds: 1, ...pod }),
        cooldownMs,
      });
      const wfe = await cluster.apply(manifest());
      const ended = await cluster.waitForPhase(wfe.metadata.name, phase);
      const endedAt = Date.parse(ended.status?.completionTime as string);
      await waitForLockRelease(ended, phase);
      const released = await cluster.read(wfe.metadata.name);
      const releasedAt = Date.parse(
        condition(released, 'LockReleased')?.lastTransitionTime as string,
      );
      // Kubernetes times have whole seconds: the release is no earlier than the cooldown allows.
      expect(releasedAt - endedAt).toBeGreaterThanOrEqual(cooldownMs - 1_000);
    },
  );

  it('UT-WE-375-003 (a deliberate difference): a cooldown of 0 is none, not the 5-minute default, and a second execution on the target starts at once', async () => {
    await cluster.start({
      registry: jobRegistry(env.kubeConfig, { runSeconds: 1 }),
      cooldownMs: 0,
    });
    const first = await cluster.apply(manifest());
    const done = await cluster.waitForPhase(first.metadata.name, 'Completed');
    // Within the test's patience (90 s), far short of kubernaut's 5 minutes.
    await waitForLockRelease(done, 'Completed');
    const second = await cluster.apply(manifest({ target: first.spec.targetResource }));
    const running = await cluster.waitForPhase(second.metadata.name, 'Running');
    expect(running.status?.executionRef?.name).toBe(done.status?.executionRef?.name);
  });

  it('UT-WE-ES-001: persists the summary the engine reads from the finished Job as status.executionStatus', async () => {
    await cluster.start({
      registry: jobRegistry(env.kubeConfig, { runSeconds: 1 }),
      cooldownMs: 60_000,
    });
    const wfe = await cluster.apply(manifest());
    const done = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    // The Job stays for the cooldown, so the engine can read it again as the controller did.
    const result = await new JobExecutor(client()).getStatus(done, cluster.executionNamespace);
    expect(result?.phase).toBe('Completed');
    expect(done.status?.executionStatus).toEqual(result?.summary);
    expect(done.status?.executionStatus).toMatchObject({
      status: 'True',
      totalTasks: 1,
      completedTasks: 1,
    });
  });

  /** A running Job under the lock name of `target`, labelled as kubernaut's executor labels. */
  async function heldBy(target: string, labels: Record<string, string>) {
    const name = executionResourceName(target, kubernautConventions.namePrefix);
    await client().create<KubeObject>(resources.jobs, cluster.executionNamespace, {
      metadata: { name, labels },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { annotations: { [podControls.runSeconds]: '600' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'any' }] },
        },
      },
    });
    return name;
  }
  const removeJob = (name: string) =>
    client().delete(resources.jobs, cluster.executionNamespace, name, {
      propagationPolicy: 'Background',
    });

  it("UT-WE-190-001 / UT-WE-190-008: a target another execution's Job holds fails Deduplicated, deduplicatedBy the exact name its label gives, as no execution failure", async () => {
    await kubernautJobs(cluster).start({ [podControls.runSeconds]: '600' });
    const target = `${env.namespace}/deployment/app-190-001`;
    const original = 'ns-my-app-wfe-abc123';
    const job = await heldBy(target, {
      'kubernaut.ai/workflow-execution': original,
      'kubernaut.ai/source-namespace': env.namespace,
    });
    const wfe = await cluster.apply(kubernautShaped(manifest({ target }), 'job'));
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.deduplicatedBy).toBe(original);
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'Deduplicated',
      wasExecutionFailure: false,
    });
    expect(failed.status?.failureDetails?.message).toContain(
      `Execution resource ${job} already exists (target resource locked)`,
    );
    expect(condition(failed, 'ExecutionCreated')).toMatchObject({
      status: 'False',
      reason: 'ExecutionCreationFailed',
      message: `Execution resource collision (deduplicated by ${original})`,
    });
    // The holder's Job is left as it was.
    const held = await client().get<KubeObject>(resources.jobs, cluster.executionNamespace, job);
    expect(held?.metadata?.labels?.['kubernaut.ai/workflow-execution']).toBe(original);
    await removeJob(job);
  });

  it('UT-WE-190-003: a target held by a Job that names no execution fails Unknown, with no deduplicatedBy', async () => {
    await kubernautJobs(cluster).start({ [podControls.runSeconds]: '600' });
    const target = `${env.namespace}/deployment/app-190-003`;
    const job = await heldBy(target, { 'kubernaut.ai/source-namespace': env.namespace });
    const wfe = await cluster.apply(kubernautShaped(manifest({ target }), 'job'));
    const failed = await cluster.waitForPhase(wfe.metadata.name, 'Failed');
    expect(failed.status?.failureDetails?.reason).toBe('Unknown');
    expect(failed.status?.failureDetails?.message).toContain(
      `Execution resource ${job} already exists (target resource locked)`,
    );
    expect(failed.status?.deduplicatedBy).toBeUndefined();
    await removeJob(job);
  });
});
