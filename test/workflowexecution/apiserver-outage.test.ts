import { KubeClient, resources } from '@roundhouse/kube';
import { type ControlPlane, startControlPlane } from '@roundhouse/testenv';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import {
  apply,
  jobRegistry,
  jobsOf,
  manifest,
  patience,
  type RunningController,
  read,
  startController,
} from './harness.js';

/**
 * The API server stops answering, or restarts, while executions run: every execution still
 * ends Completed, each on exactly one Job. A plane of its own, since the outage would stall
 * every other test sharing one.
 */
describeWithControlPlane('WorkflowExecution controller through an API server outage', () => {
  let plane: ControlPlane;
  let controller: RunningController | undefined;
  let watchNamespace: string;
  let executionNamespace: string;
  const client = () => new KubeClient(plane.kubeConfig);

  beforeAll(async () => {
    plane = await startControlPlane({ workloads: true });
    watchNamespace = await plane.createNamespace('outage');
    executionNamespace = await plane.createNamespace('outage-exec');
    controller = await startController({
      kubeConfig: plane.kubeConfig,
      registry: jobRegistry(plane.kubeConfig, { runSeconds: 3 }),
      watchNamespace,
      executionNamespace,
      cooldownMs: 600_000,
    });
  }, 180_000);

  afterAll(async () => {
    await controller?.stop();
    await plane?.stop();
  });

  async function runThrough(outage: () => Promise<void>, count: number) {
    const created = await Promise.all(
      Array.from({ length: count }, () => apply(client(), watchNamespace, manifest())),
    );
    await outage();
    for (const wfe of created) {
      const ended = await vi.waitFor(async () => {
        const current = await read(client(), watchNamespace, wfe.metadata.name);
        expect(current?.status?.phase).toMatch(/^(Completed|Failed)$/);
        return current;
      }, patience);
      // The whole status on a failure: what went wrong is in its failureDetails.
      expect({ phase: ended?.status?.phase, failure: ended?.status?.failureDetails }).toEqual({
        phase: 'Completed',
        failure: undefined,
      });
      expect(await jobsOf(client(), executionNamespace, wfe.metadata.name)).toHaveLength(1);
    }
  }

  it('finishes every execution after the API server froze past the request timeout', async () => {
    const apiServer = plane.processes().find((p) => p.name === 'kube-apiserver');
    expect(apiServer).toBeDefined();
    await runThrough(async () => {
      await vi.waitFor(async () => {
        const { items } = await client().list(resources.jobs, executionNamespace);
        expect(items.length).toBeGreaterThan(0);
      });
      process.kill(apiServer?.pid as number, 'SIGSTOP');
      try {
        // Past the client's 30 s request timeout, with requests and watches in flight.
        await new Promise((resolve) => setTimeout(resolve, 35_000));
      } finally {
        process.kill(apiServer?.pid as number, 'SIGCONT');
      }
    }, 8);
  }, 240_000);

  it('finishes every execution after the API server restarted mid-start', async () => {
    await runThrough(() => plane.restartApiServer(), 8);
  }, 240_000);
});
