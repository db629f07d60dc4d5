import { type Executor, formatKubeTime, Registry, type WorkflowExecution } from '@roundhouse/core';
import { MemoryExecutor } from '@roundhouse/core/testing';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { expect, it, vi } from 'vitest';
import { useController } from './controller-fixture.js';
import { eventsAbout, manifest, patience } from './harness.js';

/*
 * kubernaut's ReconcileTerminal releases every finished execution's lock after the cooldown and
 * records LockReleased, whatever its engine or spec: an engine it does not know is skipped.
 */
describeWithControlPlane(
  'WorkflowExecution controller: lock release without an engine or a spec',
  () => {
    const cluster = useController('wfe-lock-release');
    const { env, client } = cluster;

    const start = (registry: Registry) =>
      cluster.start({ registry, cooldownMs: 1_000, pollIntervalMs: { initial: 200, max: 1_000 } });

    /** The LockReleased condition of the execution as stored, once it has one. */
    const waitForRelease = (name: string) =>
      vi.waitFor(async () => {
        const stored = await client().get<{
          status?: { conditions?: { type: string; reason: string; message: string }[] };
        }>(workflowExecutions, env.namespace, name);
        const released = stored?.status?.conditions?.find((c) => c.type === 'LockReleased');
        expect(released).toBeDefined();
        return released;
      }, patience);

    it('releases the lock of a Running execution whose engine is no longer registered after the cooldown, saying its resource was left', async () => {
      const first = await start(new Registry().register(new MemoryExecutor()));
      const wfe = await cluster.apply(manifest({ engine: 'memory' }));
      const running: WorkflowExecution = await cluster.waitForPhase(wfe.metadata.name, 'Running');
      await first.stop();
      await start(new Registry());
      const ref = running.status?.executionRef?.name as string;
      const released = await waitForRelease(wfe.metadata.name);
      expect(released).toMatchObject({ reason: 'ResourceNotRemoved' });
      expect(released?.message).toContain(`${cluster.executionNamespace}/${ref} was not removed`);
      await vi.waitFor(async () => {
        const events = await eventsAbout(client(), env.namespace, wfe.metadata.name);
        // Listed by name, not in the order they were recorded.
        expect(events.map((e) => e.reason).sort()).toEqual(['LockReleased', 'WorkflowFailed']);
      }, patience);
    });

    it('fails a Running execution whose stored spec no longer parses once, then removes its resource and releases its lock', async () => {
      const cleanups: string[] = [];
      const memory = new MemoryExecutor();
      const counting: Executor = {
        engine: memory.engine,
        create: (w, ns, o) => memory.create(w, ns, o),
        getStatus: (w, ns, o) => memory.getStatus(w, ns, o),
        async cleanup(w, ns, o) {
          cleanups.push(w.spec.targetResource);
          await memory.cleanup(w, ns, o);
        },
      };
      // The first controller installs the CRD; none runs while the execution is stored Running.
      await (await start(new Registry())).stop();
      let engineConfig: Record<string, unknown> = {};
      for (let i = 0; i < 2_000; i += 1) engineConfig = { a: engineConfig };
      const wfe = await cluster.apply(manifest({ engine: 'memory', engineConfig }));
      await client().patch(workflowExecutions, env.namespace, wfe.metadata.name, {
        metadata: { finalizers: ['roundhouse.dev/execution-cleanup'] },
      });
      await client().patch(
        workflowExecutions,
        env.namespace,
        wfe.metadata.name,
        {
          status: {
            phase: 'Running',
            startTime: formatKubeTime(new Date()),
            executionRef: { name: 'memory-run' },
          },
        },
        { subresource: 'status' },
      );
      await start(new Registry().register(counting));
      const failed = await cluster.waitForStoredPhase(wfe.metadata.name, 'Failed');
      expect(failed.status?.failureDetails).toMatchObject({ reason: 'ConfigurationError' });
      const released = await waitForRelease(wfe.metadata.name);
      expect(released).toMatchObject({ reason: 'CleanedUp' });
      expect(cleanups).toEqual([wfe.spec.targetResource]);
      const events = await eventsAbout(client(), env.namespace, wfe.metadata.name);
      // Listed by name, not in the order they were recorded.
      expect(events.map((e) => e.reason).sort()).toEqual(['LockReleased', 'WorkflowFailed']);
    });
  },
);
