import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd, workflowExecutions } from '@roundhouse/workflowexecution';
import { afterEach, beforeAll, expect, it, vi } from 'vitest';
import {
  apply,
  jobRegistry,
  manifest,
  patience,
  type RunningController,
  read,
  startController,
  waitForPhase,
} from './harness.js';

/**
 * kubernaut's cooldown cases (IT-WE-374-001, IT-WE-375-002, BR-WE-009, BR-WE-010): a target
 * that an execution just acted on is held for the cooldown, then its lock is released.
 */
describeWithControlPlane('WorkflowExecution cooldown between executions on a target', () => {
  const env = useTestNamespace({ prefix: 'wfe-cool' });
  let executionNamespace: string;
  let controller: RunningController | undefined;
  const client = () => new KubeClient(env.kubeConfig);
  const cooldownMs = 6_000;

  beforeAll(async () => {
    executionNamespace = await env.controlPlane.createNamespace('wfe-cool-exec');
    // One test plays another writer that ends an execution before any controller runs.
    await ensureWorkflowExecutionCrd(client());
  });

  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
  });

  const start = (runSeconds: number) =>
    startController({
      kubeConfig: env.kubeConfig,
      registry: jobRegistry(env.kubeConfig, { runSeconds }),
      watchNamespace: env.namespace,
      executionNamespace,
      cooldownMs,
    }).then((c) => {
      controller = c;
      return c;
    });

  /** What another writer does in kubernaut's tests: ends the execution in its status. */
  const markEnded = (name: string, phase: 'Completed' | 'Failed') =>
    client().patch(
      workflowExecutions,
      env.namespace,
      name,
      { status: { phase, completionTime: new Date().toISOString() } },
      { subresource: 'status' },
    );

  const jobExists = async (name: string) =>
    (await client().get(resources.jobs, executionNamespace, name)) !== null;

  it('IT-WE-374-001/375-002: holds a second execution on a target that just finished in Pending, then runs it on the same Job name', async () => {
    await start(1);
    const target = 'prod/deployment/sequential';
    const first = await apply(client(), env.namespace, manifest({ target }));
    const done = await waitForPhase(client(), env.namespace, first.metadata.name, 'Completed');
    const second = await apply(client(), env.namespace, manifest({ target }));
    const waiting = await waitForPhase(client(), env.namespace, second.metadata.name, 'Pending');
    expect(waiting.status?.conditions?.find((c) => c.type === 'Waiting')).toMatchObject({
      status: 'True',
      reason: 'CooldownActive',
    });
    expect(waiting.status?.conditions?.find((c) => c.type === 'Waiting')?.message).toContain(
      first.metadata.name,
    );
    expect(waiting.status?.executionRef).toBeUndefined();
    const ran = await waitForPhase(client(), env.namespace, second.metadata.name, 'Completed');
    expect(ran.status?.executionRef?.name).toBe(done.status?.executionRef?.name);
    // It could only start once the first execution's cooldown was over.
    expect(Date.parse(ran.status?.startTime as string)).toBeGreaterThanOrEqual(
      Date.parse(done.status?.completionTime as string) + cooldownMs - 1_000,
    );
    const released = await read(client(), env.namespace, first.metadata.name);
    expect(released?.status?.conditions?.find((c) => c.type === 'LockReleased')?.status).toBe(
      'True',
    );
  });

  it('UT-WE-1520-001: holds a target whose execution another writer marked Completed before it started', async () => {
    const target = 'prod/deployment/marked-completed';
    const prior = await apply(client(), env.namespace, manifest({ target }));
    await markEnded(prior.metadata.name, 'Completed');
    await start(1);
    const current = await apply(client(), env.namespace, manifest({ target }));
    const waiting = await waitForPhase(client(), env.namespace, current.metadata.name, 'Pending');
    expect(waiting.status?.conditions?.find((c) => c.type === 'Waiting')).toMatchObject({
      reason: 'CooldownActive',
    });
    expect(await read(client(), env.namespace, prior.metadata.name)).not.toHaveProperty(
      'status.executionRef',
    );
    await waitForPhase(client(), env.namespace, current.metadata.name, 'Completed');
  });

  it('BR-WE-009: never holds back an execution on another target', async () => {
    await start(1);
    const first = await apply(client(), env.namespace, manifest());
    const done = await waitForPhase(client(), env.namespace, first.metadata.name, 'Completed');
    const other = await apply(client(), env.namespace, manifest());
    const ran = await waitForPhase(client(), env.namespace, other.metadata.name, 'Running');
    expect(Date.parse(ran.status?.startTime as string)).toBeLessThan(
      Date.parse(done.status?.completionTime as string) + cooldownMs,
    );
  });

  it('BR-WE-009: holds a target whose execution another writer marked Failed, its Job still running', async () => {
    await start(600);
    const target = 'prod/deployment/marked-failed';
    const first = await apply(client(), env.namespace, manifest({ target }));
    const running = await waitForPhase(client(), env.namespace, first.metadata.name, 'Running');
    await markEnded(first.metadata.name, 'Failed');
    const second = await apply(client(), env.namespace, manifest({ target }));
    const waiting = await waitForPhase(client(), env.namespace, second.metadata.name, 'Pending');
    expect(waiting.status?.conditions?.find((c) => c.type === 'Waiting')?.reason).toBe(
      'CooldownActive',
    );
    // After the cooldown the first execution's Job goes, and the second takes its name.
    const started = await waitForPhase(client(), env.namespace, second.metadata.name, 'Running');
    expect(started.status?.executionRef?.name).toBe(running.status?.executionRef?.name);
  });

  it('BR-WE-010 (E2E): keeps an execution another writer marked Failed without a completionTime Failed, its failure as written, and starts its cooldown', async () => {
    await start(600);
    const wfe = await apply(client(), env.namespace, manifest());
    await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Running');
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
      const current = await read(client(), env.namespace, wfe.metadata.name);
      expect(current?.status?.completionTime).toBeDefined();
      return current;
    }, patience);
    expect(cooling?.status?.phase).toBe('Failed');
    expect(cooling?.status?.failureDetails).toMatchObject(failureDetails);
  });

  it('BR-WE-010: keeps the Job of an execution marked Completed through the cooldown, then deletes it and records LockReleased', async () => {
    await start(600);
    const wfe = await apply(client(), env.namespace, manifest());
    const running = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Running');
    const job = running.status?.executionRef?.name as string;
    await markEnded(wfe.metadata.name, 'Completed');
    await new Promise((resolve) => setTimeout(resolve, cooldownMs / 2));
    expect(await jobExists(job)).toBe(true);
    await vi.waitFor(async () => {
      expect(await jobExists(job)).toBe(false);
      const { items } = await client().list<KubeObject & { reason?: string }>(
        resources.events,
        env.namespace,
        { fieldSelector: `involvedObject.name=${wfe.metadata.name}` },
      );
      expect(items.map((e) => e.reason)).toContain('LockReleased');
      // The reconciler records the Event, then writes the status that goes with it.
      const released = await read(client(), env.namespace, wfe.metadata.name);
      expect(released?.status?.phase).toBe('Completed');
      expect(released?.status?.conditions?.find((c) => c.type === 'LockReleased')?.status).toBe(
        'True',
      );
    }, patience);
  });
});
