import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatKubeTime } from '@roundhouse/core';
import { resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import { interceptJobCreates } from './client-intercepts.js';
import { useController } from './controller-fixture.js';
import { jobRegistry, manifest, patience } from './harness.js';

/**
 * A controller killed between an execution's Job create and its Running write leaves a Job
 * that only the Job itself records: the execution is Pending, with no executionRef. Another
 * execution naming the same object in another spelling hashes to another lock name, so the
 * Job's name does not keep it off the target; the restarted controller must.
 */
describeWithControlPlane('WorkflowExecution starts after a controller died mid-start', () => {
  const cluster = useController('wfe-unrecorded-start');
  const { env } = cluster;

  /**
   * Starts a controller that dies once an execution's Job create has reached the server:
   * neither the create's answer nor the Running write ever come. Resolves to the controller
   * and to when that create went through.
   */
  async function startDyingAfterCreate(runSeconds: number, cooldownMs: number) {
    let reached: () => void = () => undefined;
    const created = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const dying = interceptJobCreates(env.kubeConfig, async (send) => {
      await send();
      reached();
      return new Promise(() => undefined);
    });
    const controller = await cluster.start({
      registry: jobRegistry(env.kubeConfig, { runSeconds }, dying),
      cooldownMs,
    });
    return { controller, created };
  }

  it('refuses a start on a target whose Job another execution created just before the controller died, its Running status unwritten, though the two spell the target two ways', async () => {
    const app = `app-${randomBytes(3).toString('hex')}`;
    const first = manifest({ target: `prod/deployment/${app}` });
    const second = manifest({ target: `prod/deployments/${app}` });

    // The first controller dies once the first execution's Job create has reached the server.
    const { controller: killed, created } = await startDyingAfterCreate(600, 60_000);
    await cluster.apply(first);
    await created;
    await killed.stop();
    expect((await cluster.read(first.metadata.name))?.status?.executionRef).toBeUndefined();
    expect(await cluster.jobsOf(first.metadata.name)).toHaveLength(1);

    // The second arrives while no controller runs; the restarted one takes its start first.
    await cluster.apply(second);
    const secondDecided = () =>
      vi.waitFor(async () => {
        const jobs = await cluster.jobsOf(second.metadata.name);
        const phase = (await cluster.read(second.metadata.name))?.status?.phase;
        expect(jobs.length > 0 || phase === 'Failed').toBe(true);
      }, patience);
    await cluster.start({
      registry: jobRegistry(env.kubeConfig, { runSeconds: 600 }),
      cooldownMs: 60_000,
      resolveDeclaredParameters: async (wfe) => {
        if (wfe.metadata.name === first.metadata.name) await secondDecided();
        return undefined;
      },
    });

    const refused = await cluster.waitForPhase(second.metadata.name, 'Failed');
    expect(refused.status?.failureDetails).toMatchObject({
      reason: 'Deduplicated',
      wasExecutionFailure: false,
    });
    expect(refused.status?.deduplicatedBy).toBe(first.metadata.name);
    expect(await cluster.jobsOf(second.metadata.name)).toEqual([]);
    // The first adopts the Job it made before the controller died, and runs on alone.
    const running = await cluster.waitForPhase(first.metadata.name, 'Running');
    const [job] = await cluster.jobsOf(first.metadata.name);
    expect(running.status?.executionRef?.name).toBe(job?.metadata?.name);
  }, 240_000);

  it("adopts the Job a start made before the controller died, though its spec.timesOutAt passed while no controller ran, and reports that Job's own outcome", async () => {
    const late = manifest();
    // Long enough for the first controller to create, and the Job to succeed, on a loaded
    // machine; short enough to pass while none runs.
    late.spec.timesOutAt = formatKubeTime(new Date(Date.now() + 45_000));
    const deadline = Date.parse(late.spec.timesOutAt);
    const { controller: killed, created } = await startDyingAfterCreate(1, 600_000);
    await cluster.apply(late);
    await created;
    await killed.stop();
    // The workflow succeeds while no controller runs, before its deadline.
    await vi.waitFor(async () => {
      const [job] = await cluster.jobsOf(late.metadata.name);
      expect((job?.status as { succeeded?: number } | undefined)?.succeeded).toBe(1);
    }, patience);
    await sleep(Math.max(0, deadline + 1_000 - Date.now()));

    await cluster.start({
      registry: jobRegistry(env.kubeConfig, { runSeconds: 1 }),
      cooldownMs: 600_000,
    });
    const completed = await cluster.waitForPhase(late.metadata.name, 'Completed');
    const [job] = await cluster.jobsOf(late.metadata.name);
    expect(job?.metadata?.deletionTimestamp).toBeUndefined();
    expect(completed.status?.executionRef?.name).toBe(job?.metadata?.name);
    // Adopted as Running (kubernaut's HandleAlreadyExists words), not failed as never started.
    expect(
      completed.status?.conditions?.find((c) => c.type === 'ExecutionCreated')?.message,
    ).toContain('already exists');
    expect(completed.status?.failureDetails).toBeUndefined();
  }, 240_000);

  it('adopts the Job a start made before the controller died without waiting out a cooldown raised across the restart, and records its start as when that Job was created', async () => {
    const target = `prod/deployment/app-${randomBytes(3).toString('hex')}`;
    const prior = manifest({ target });
    const late = manifest({ target });
    // An execution on the target ends, and its lock goes after a cooldown of a second.
    const first = await cluster.start({
      registry: jobRegistry(env.kubeConfig, { runSeconds: 0 }),
      cooldownMs: 1_000,
    });
    await cluster.apply(prior);
    await vi.waitFor(async () => {
      const released = (await cluster.read(prior.metadata.name))?.status?.conditions?.find(
        (c) => c.type === 'LockReleased',
      );
      expect(released?.status).toBe('True');
    }, patience);
    await first.stop();
    // The next start's Job is made; the controller dies before its Running write.
    const { controller: killed, created } = await startDyingAfterCreate(600, 1_000);
    await cluster.apply(late);
    await created;
    await killed.stop();
    // Adopted seconds later, by a controller whose cooldown still covers the first's end.
    await sleep(2_000);
    await cluster.start({
      registry: jobRegistry(env.kubeConfig, { runSeconds: 600 }),
      cooldownMs: 600_000,
    });
    const running = await cluster.waitForPhase(late.metadata.name, 'Running');
    const [job] = await cluster.jobsOf(late.metadata.name);
    expect(running.status?.executionRef?.name).toBe(job?.metadata?.name);
    expect(running.status?.startTime).toBe(job?.metadata?.creationTimestamp);
  }, 240_000);

  it("adopts the Job a start made before the controller died, though its Secret's opt-in was taken back while no controller ran", async () => {
    const optIn = 'roundhouse.dev/allowed-namespaces';
    const secret = `creds-${randomBytes(3).toString('hex')}`;
    const admin = cluster.client();
    await admin.create(resources.secrets, cluster.executionNamespace, {
      metadata: { name: secret, annotations: { [optIn]: env.namespace } },
      data: { password: Buffer.from('s3cret').toString('base64') },
    });
    const wfe = manifest({ dependencies: { secrets: [{ name: secret }] } });
    const { controller: killed, created } = await startDyingAfterCreate(1, 600_000);
    await cluster.apply(wfe);
    await created;
    await killed.stop();
    // Its owner takes the opt-in back: a start now would be refused Forbidden.
    await admin.patch(resources.secrets, cluster.executionNamespace, secret, {
      metadata: { annotations: { [optIn]: 'elsewhere' } },
    });

    await cluster.start({
      registry: jobRegistry(env.kubeConfig, { runSeconds: 1 }),
      cooldownMs: 600_000,
    });
    const completed = await cluster.waitForPhase(wfe.metadata.name, 'Completed');
    const [job] = await cluster.jobsOf(wfe.metadata.name);
    expect(completed.status?.executionRef?.name).toBe(job?.metadata?.name);
    expect(completed.status?.failureDetails).toBeUndefined();
  }, 240_000);
});
