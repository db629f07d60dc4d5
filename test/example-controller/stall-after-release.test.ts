import { InformerCache } from '@roundhouse/controller';
import { KubeClient, type KubeObject } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import {
  createWorkflowExecutionController,
  ensureWorkflowExecutionCrd,
  workflowExecutions,
} from '@roundhouse/workflowexecution';
import { expect, it, vi } from 'vitest';
import { useController } from '../workflowexecution/controller-fixture.js';
import { jobRegistry, manifest, patience } from '../workflowexecution/harness.js';

/**
 * A status write that stalls after its reconcile let its worker go (`releaseWorker`): the API
 * server takes the Running write of one execution and never answers. The stall-campaign pauses
 * the whole process; one write alone is stalled in-process, through the controller's client.
 */
describeWithControlPlane('a Running write that never answers after the worker was let go', () => {
  const cluster = useController('wfe-stall-release');
  const { env } = cluster;

  it('serves other executions meanwhile; the reconcile timeout aborts it, and the retry records the same Job', async () => {
    const stalled = manifest();
    const other = manifest();
    let otherRunning = () => {};
    const served = new Promise<void>((resolve) => {
      otherRunning = resolve;
    });
    const seen: string[] = [];
    const client = new KubeClient(env.kubeConfig);
    const patch = client.patch.bind(client);
    vi.spyOn(client, 'patch').mockImplementation(async (type, namespace, name, body, options) => {
      const phase = (body as KubeObject).status?.phase;
      if (type !== workflowExecutions || name !== stalled.metadata.name || phase !== 'Running')
        return patch(type, namespace, name, body, options);
      if (seen.length > 0) {
        seen.push('written');
        return patch(type, namespace, name, body, options);
      }
      // Never sent: the answer "comes" only as the request's abort, once the other execution
      // ran, which with one worker it can only while this reconcile has let its worker go.
      seen.push('stalled');
      const signal = (options as { signal?: AbortSignal } | undefined)?.signal;
      await served;
      await new Promise<void>((resolve) => {
        if (signal?.aborted) resolve();
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      seen.push(`aborted: ${(signal?.reason as { reason?: string } | undefined)?.reason}`);
      throw signal?.reason;
    });
    await ensureWorkflowExecutionCrd(new KubeClient(env.kubeConfig));
    const cache = new InformerCache(env.kubeConfig, { client: new KubeClient(env.kubeConfig) });
    const { controller } = await createWorkflowExecutionController({
      workers: 1,
      reconcileTimeoutMs: 5_000,
      cooldownMs: 60_000,
      policy: { bundles: ['registry.invalid/*'] },
      watchNamespace: env.namespace,
      executionNamespace: cluster.executionNamespace,
      client,
      cache,
      registry: jobRegistry(env.kubeConfig, { runSeconds: 1 })(cache),
    });
    const stop = new AbortController();
    const running = controller.start(stop.signal);
    try {
      await vi.waitFor(() => expect(controller.ready).toBe(true), patience);
      await cluster.apply(stalled);
      await vi.waitFor(() => expect(seen).toEqual(['stalled']), patience);
      await cluster.apply(other);
      // Its Job runs a second: it may be Completed already when looked at.
      await vi.waitFor(async () => {
        const phase = (await cluster.read(other.metadata.name))?.status?.phase;
        expect(['Running', 'Completed']).toContain(phase);
      }, patience);
      expect(seen).toEqual(['stalled']);
      otherRunning();
      const done = await cluster.waitForPhase(stalled.metadata.name, 'Completed');
      expect(seen).toEqual(['stalled', 'aborted: ReconcileTimeout', 'written']);
      const jobs = await cluster.jobsOf(stalled.metadata.name);
      expect(jobs.map((j) => j.metadata?.name)).toEqual([done.status?.executionRef?.name]);
      await cluster.waitForPhase(other.metadata.name, 'Completed');
    } finally {
      otherRunning();
      stop.abort();
      await running;
    }
    expect(controller.reconciling).toEqual([]);
  }, 180_000);
});
