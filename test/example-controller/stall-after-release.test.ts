import { InformerCache } from '@roundhouse/controller';
import { KubeClient } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import {
  createWorkflowExecutionController,
  ensureWorkflowExecutionCrd,
  workflowExecutions,
} from '@roundhouse/workflowexecution';
import { expect, it, vi } from 'vitest';
import { type ControllerFixture, useController } from '../workflowexecution/controller-fixture.js';
import { jobRegistry, manifest, patience } from '../workflowexecution/harness.js';

/**
 * A status write that stalls after its reconcile let its worker go (`releaseWorker`): the API
 * server takes the Running write of one execution and never answers. The stall-campaign pauses
 * the whole process; one write alone is stalled in-process, through the controller's client.
 */
describeWithControlPlane('a Running write that never answers after the worker was let go', () => {
  const cluster = useController('wfe-stall-release');

  it('serves other executions meanwhile; the reconcile timeout aborts it, and the retry records the same Job', async () => {
    const stalled = manifest();
    const other = manifest();
    let otherRunning = () => {};
    const served = new Promise<void>((resolve) => {
      otherRunning = resolve;
    });
    // The answer "comes" only as the request's abort, once the other execution ran, which with
    // one worker it can only while this reconcile has let its worker go.
    const writes = stallingFirstRunningWrite(cluster, stalled.metadata.name, served);
    const controller = await oneWorker(cluster, writes.client, { reconcileTimeoutMs: 5_000 });
    try {
      await cluster.apply(stalled);
      await vi.waitFor(() => expect(writes.seen).toEqual(['stalled']), patience);
      await cluster.apply(other);
      // Its Job runs a second: it may be Completed already when looked at.
      await vi.waitFor(async () => {
        const phase = (await cluster.read(other.metadata.name))?.status?.phase;
        expect(['Running', 'Completed']).toContain(phase);
      }, patience);
      expect(writes.seen).toEqual(['stalled']);
      otherRunning();
      const done = await cluster.waitForPhase(stalled.metadata.name, 'Completed');
      expect(writes.seen).toEqual(['stalled', 'aborted: ReconcileTimeout', 'written']);
      const jobs = await cluster.jobsOf(stalled.metadata.name);
      expect(jobs.map((j) => j.metadata?.name)).toEqual([done.status?.executionRef?.name]);
      await cluster.waitForPhase(other.metadata.name, 'Completed');
    } finally {
      otherRunning();
      await controller.stop();
    }
    expect(controller.reconciling()).toEqual([]);
  }, 180_000);

  it('is waited for by shutdown, which aborts it at the drain timeout and ends; the next controller records the same Job', async () => {
    const stalled = manifest();
    const writes = stallingFirstRunningWrite(cluster, stalled.metadata.name, Promise.resolve());
    // No reconcile timeout: only the shutdown's drain ends the stalled write.
    const first = await oneWorker(cluster, writes.client, { reconcileTimeoutMs: 0 });
    await cluster.apply(stalled);
    await vi.waitFor(() => expect(writes.seen).toEqual(['stalled']), patience);
    await first.stop();
    expect(first.reconciling()).toEqual([]);
    // The drain's abort is a plain Error, with no reason of its own.
    expect(writes.seen).toEqual(['stalled', 'aborted: undefined']);
    const next = await oneWorker(cluster, writes.client, { reconcileTimeoutMs: 0 });
    try {
      const done = await cluster.waitForPhase(stalled.metadata.name, 'Completed');
      expect(writes.seen).toEqual(['stalled', 'aborted: undefined', 'written']);
      const jobs = await cluster.jobsOf(stalled.metadata.name);
      expect(jobs.map((j) => j.metadata?.name)).toEqual([done.status?.executionRef?.name]);
    } finally {
      await next.stop();
    }
  }, 180_000);
});

/**
 * A client for the controller whose first Running write of execution `name` is never sent: once
 * `after` settled, it ends as the request's abort does. `seen` says what became of each Running
 * write of it: stalled, aborted (with the abort's reason), written.
 */
function stallingFirstRunningWrite(cluster: ControllerFixture, name: string, after: Promise<void>) {
  const seen: string[] = [];
  const client = new KubeClient(cluster.env.kubeConfig);
  const patch = client.patch.bind(client);
  vi.spyOn(client, 'patch').mockImplementation(async (type, namespace, written, body, options) => {
    const phase = (body as { status?: { phase?: unknown } }).status?.phase;
    if (type !== workflowExecutions || written !== name || phase !== 'Running')
      return patch(type, namespace, written, body, options);
    if (seen.length > 0) {
      seen.push('written');
      return patch(type, namespace, written, body, options);
    }
    seen.push('stalled');
    const signal = (options as { signal?: AbortSignal } | undefined)?.signal;
    await after;
    await new Promise<void>((resolve) => {
      if (signal?.aborted) resolve();
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    seen.push(`aborted: ${(signal?.reason as { reason?: string } | undefined)?.reason}`);
    throw signal?.reason;
  });
  return { client, seen };
}

/** A WorkflowExecution controller with one worker, writing through `client`, started. */
async function oneWorker(
  cluster: ControllerFixture,
  client: KubeClient,
  { reconcileTimeoutMs }: { reconcileTimeoutMs: number },
) {
  const { kubeConfig } = cluster.env;
  await ensureWorkflowExecutionCrd(new KubeClient(kubeConfig));
  const cache = new InformerCache(kubeConfig, { client: new KubeClient(kubeConfig) });
  const { controller } = await createWorkflowExecutionController({
    kubeConfig,
    workers: 1,
    reconcileTimeoutMs,
    cooldownMs: 60_000,
    policy: { bundles: ['registry.invalid/*'] },
    watchNamespace: cluster.env.namespace,
    executionNamespace: cluster.executionNamespace,
    client,
    cache,
    registry: jobRegistry(kubeConfig, { runSeconds: 1 })(cache),
  });
  const abort = new AbortController();
  const running = controller.start(abort.signal);
  await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
  return {
    reconciling: () => controller.reconciling,
    async stop() {
      abort.abort();
      await running;
    },
  };
}
