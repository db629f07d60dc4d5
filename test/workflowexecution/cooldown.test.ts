import { resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd, workflowExecutions } from '@roundhouse/workflowexecution';
import { beforeAll, expect, it, vi } from 'vitest';
import { useController } from './controller-fixture.js';
import { condition, eventsAbout, jobRegistry, manifest, markEnded, patience } from './harness.js';

/**
 * kubernaut's cooldown cases (IT-WE-374-001, IT-WE-375-002, BR-WE-009, BR-WE-010): a target
 * that an execution just acted on is held for the cooldown, then its lock is released.
 */
describeWithControlPlane('WorkflowExecution cooldown between executions on a target', () => {
  const cluster = useController('wfe-cool');
  const { env, client } = cluster;
  const cooldownMs = 6_000;

  beforeAll(async () => {
    // One test plays another writer that ends an execution before any controller runs.
    await ensureWorkflowExecutionCrd(client());
  });

  const start = (runSeconds: number) =>
    cluster.start({ registry: jobRegistry(env.kubeConfig, { runSeconds }), cooldownMs });

  const jobExists = async (name: string) =>
    (await client().get(resources.jobs, cluster.executionNamespace, name)) !== null;

  it('IT-WE-374-001/375-002: holds a second execution on a target that just finished in Pending, then runs it on the same Job name', async () => {
    await start(1);
    const target = 'prod/deployment/sequential';
    const first = await cluster.apply(manifest({ target }));
    const done = await cluster.waitForPhase(first.metadata.name, 'Completed');
    const second = await cluster.apply(manifest({ target }));
    const waiting = await cluster.waitForPhase(second.metadata.name, 'Pending');
    expect(condition(waiting, 'Waiting')).toMatchObject({
      status: 'True',
      reason: 'CooldownActive',
    });
    expect(condition(waiting, 'Waiting')?.message).toContain(first.metadata.name);
    expect(waiting.status?.executionRef).toBeUndefined();
    const ran = await cluster.waitForPhase(second.metadata.name, 'Completed');
    expect(ran.status?.executionRef?.name).toBe(done.status?.executionRef?.name);
    // It could only start once the first execution's cooldown was over.
    expect(Date.parse(ran.status?.startTime as string)).toBeGreaterThanOrEqual(
      Date.parse(done.status?.completionTime as string) + cooldownMs - 1_000,
    );
    const released = await cluster.read(first.metadata.name);
    expect(condition(released, 'LockReleased')?.status).toBe('True');
  });

  it('UT-WE-1520-001: holds a target whose execution another writer marked Completed before it started', async () => {
    const target = 'prod/deployment/marked-completed';
    const prior = await cluster.apply(manifest({ target }));
    await markEnded(client(), env.namespace, prior.metadata.name, 'Completed');
    await start(1);
    const current = await cluster.apply(manifest({ target }));
    const waiting = await cluster.waitForPhase(current.metadata.name, 'Pending');
    expect(condition(waiting, 'Waiting')).toMatchObject({
      reason: 'CooldownActive',
    });
    expect(await cluster.read(prior.metadata.name)).not.toHaveProperty('status.executionRef');
    await cluster.waitForPhase(current.metadata.name, 'Completed');
  });

  it('BR-WE-009: never holds back an execution on another target', async () => {
    await start(1);
    const first = await cluster.apply(manifest());
    const done = await cluster.waitForPhase(first.metadata.name, 'Completed');
    const other = await cluster.apply(manifest());
    const ran = await cluster.waitForPhase(other.metadata.name, 'Running');
    expect(Date.parse(ran.status?.startTime as string)).toBeLessThan(
      Date.parse(done.status?.completionTime as string) + cooldownMs,
    );
  });

  it('BR-WE-009: holds a target whose execution another writer marked Failed, its Job still running', async () => {
    await start(600);
    const target = 'prod/deployment/marked-failed';
    const first = await cluster.apply(manifest({ target }));
    const running = await cluster.waitForPhase(first.metadata.name, 'Running');
    await markEnded(client(), env.namespace, first.metadata.name, 'Failed');
    const second = await cluster.apply(manifest({ target }));
    const waiting = await cluster.waitForPhase(second.metadata.name, 'Pending');
    expect(condition(waiting, 'Waiting')?.reason).toBe('CooldownActive');
    // After the cooldown the first execution's Job goes, and the second takes its name.
    const started = await cluster.waitForPhase(second.metadata.name, 'Running');
    expect(started.status?.executionRef?.name).toBe(running.status?.executionRef?.name);
  });

  it('BR-WE-010 (E2E): keeps an execution another writer marked Failed without a completionTime Failed, its failure as written, and starts its cooldown', async () => {
    await start(600);
    const wfe = await cluster.apply(manifest());
    await cluster.waitForPhase(wfe.metadata.name, 'Running');
    const failureDetails = {
      reason: 'Unknown',
      message: 'Simulated failure without CompletionTime',
      failedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    await client().patch(
      workflowExecutions,
      env.namespace,
      wfe.metadata.name,
      { status: { phase: 'Failed', failureDetails } },
      { subresource: 'status' },
    );
    const cooling = await vi.waitFor(async () => {
      const current = await cluster.read(wfe.metadata.name);
      expect(current?.status?.completionTime).toBeDefined();
      return current;
    }, patience);
    expect(cooling?.status?.phase).toBe('Failed');
    expect(cooling?.status?.failureDetails).toMatchObject(failureDetails);
  });

  it('BR-WE-010: keeps the Job of an execution marked Completed through the cooldown, then deletes it and records LockReleased', async () => {
    await start(600);
    const wfe = await cluster.apply(manifest());
    const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
    const job = running.status?.executionRef?.name as string;
    await markEnded(client(), env.namespace, wfe.metadata.name, 'Completed');
    // When the Job was first seen gone, set against the completionTime after the fact: the Job
    // went before that moment, so a slow machine's late read cannot make the check fail.
    const goneBy = await vi.waitFor(
      async () => {
        expect(await jobExists(job)).toBe(false);
        return Date.now();
      },
      { ...patience, interval: 100 },
    );
    await vi.waitFor(async () => {
      expect(await jobExists(job)).toBe(false);
      const items = await eventsAbout(client(), env.namespace, wfe.metadata.name);
      expect(items.map((e) => e.reason)).toContain('LockReleased');
      // The reconciler records the Event, then writes the status that goes with it.
      const released = await cluster.read(wfe.metadata.name);
      expect(released?.status?.phase).toBe('Completed');
      expect(condition(released, 'LockReleased')?.status).toBe('True');
    }, patience);
    const ended = (await cluster.read(wfe.metadata.name))?.status?.completionTime as string;
    expect(goneBy).toBeGreaterThanOrEqual(Date.parse(ended) + cooldownMs - 1_000);
  });
});
