import type { KubeObject } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { expect, it, vi } from 'vitest';
import { interceptFinalizerWrites, interceptJobCreates } from './client-intercepts.js';
import { useController } from './controller-fixture.js';
import { eventsAbout, jobRegistry, manifest, patience } from './harness.js';

describeWithControlPlane('WorkflowExecution start: the writes a start makes', () => {
  const cluster = useController('wfe-start');
  const { env } = cluster;
  const admin = cluster.client;

  it('creates the Job while the finalizer write is still in flight, and marks Running after both', async () => {
    const timeline: string[] = [];
    const writer = interceptFinalizerWrites(env.kubeConfig, async (send) => {
      timeline.push('finalizer sent');
      const written = await send();
      timeline.push('finalizer written');
      return written;
    });
    const creator = interceptJobCreates(env.kubeConfig, (send) => {
      timeline.push('job sent');
      return send();
    });
    await cluster.start({
      registry: jobRegistry(env.kubeConfig, { runSeconds: 1 }, creator),
      client: writer,
      cooldownMs: 60_000,
    });
    const wfe = await cluster.apply(manifest());
    const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
    // One round trip for both writes, not one after the other.
    expect(timeline.indexOf('job sent')).toBeGreaterThanOrEqual(0);
    expect(timeline.indexOf('job sent')).toBeLessThan(timeline.indexOf('finalizer written'));
    expect(running.metadata.finalizers).toContain('roundhouse.dev/execution-cleanup');
    await cluster.waitForPhase(wfe.metadata.name, 'Completed');
  });

  it('removes the Job it created when the execution was deleted before its finalizer landed', async () => {
    let deleted = false;
    const writer = interceptFinalizerWrites(env.kubeConfig, async (send, { namespace, name }) => {
      if (!deleted) {
        // The user deletes the execution between the controller's read and its finalizer write.
        deleted = true;
        await admin().delete(workflowExecutions, namespace, name);
      }
      return send();
    });
    let jobCreated = false;
    const creator = interceptJobCreates(env.kubeConfig, async (send) => {
      const created = await send();
      jobCreated = true;
      return created;
    });
    await cluster.start({
      registry: jobRegistry(env.kubeConfig, { runSeconds: 600 }, creator),
      client: writer,
      cooldownMs: 60_000,
    });
    const wfe = await cluster.apply(manifest());
    await vi.waitFor(() => expect(deleted && jobCreated).toBe(true), patience);
    // No finalizer was ever on it, so nothing but this start could remove what it created.
    await vi.waitFor(async () => {
      const jobs = await cluster.jobsOf(wfe.metadata.name);
      expect(jobs.filter((j: KubeObject) => !j.metadata?.deletionTimestamp)).toEqual([]);
    }, patience);
  });

  it('records one Normal Event for a successful execution, when its lock is released', async () => {
    await cluster.start({
      registry: jobRegistry(env.kubeConfig, { runSeconds: 1 }),
      cooldownMs: 1_000,
    });
    const wfe = await cluster.apply(manifest());
    await vi.waitFor(async () => {
      const items = await eventsAbout(admin(), env.namespace, wfe.metadata.name);
      expect(items.map((e) => `${e.type} ${e.reason}`)).toEqual(['Normal LockReleased']);
    }, patience);
  });
});
