import { ControllerMetrics } from '@roundhouse/controller';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it, vi } from 'vitest';
import { useController } from './controller-fixture.js';
import { jobRegistry, manifest, patience } from './harness.js';

/*
 * kubernaut's BR-WE-008 (02_observability_test.go): after an execution ends, the controller's
 * /metrics has workflowexecution_reconciler_total{outcome="Completed"} (or "Failed") moved on,
 * and workflowexecution_reconciler_duration_seconds beside it.
 */
describeWithControlPlane('WorkflowExecution controller outcome metrics', () => {
  const cluster = useController('wfe-metrics');
  const { env } = cluster;
  const metrics = new ControllerMetrics({ processMetrics: false });

  beforeAll(async () => {
    await cluster.start({ registry: jobRegistry(env.kubeConfig, { runSeconds: 1 }), metrics });
  });

  const count = async (outcome: string) => {
    const line = (await metrics.registry.metrics())
      .split('\n')
      .find((l) => l.startsWith(`workflowexecution_reconciler_total{outcome="${outcome}"}`));
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  };

  it('BR-WE-008: counts a Completed and a Failed execution under their outcome', async () => {
    const done = await cluster.apply(manifest());
    await cluster.waitForPhase(done.metadata.name, 'Completed');
    // A bundle the policy does not list is refused before it starts: Failed, as kubernaut counts it.
    const refused = await cluster.apply(manifest({ bundle: 'elsewhere.invalid/restart:1' }));
    await cluster.waitForPhase(refused.metadata.name, 'Failed');
    await vi.waitFor(async () => {
      expect(await count('Completed')).toBe(1);
      expect(await count('Failed')).toBe(1);
    }, patience);
    expect(await metrics.registry.metrics()).toMatch(
      /^workflowexecution_reconciler_duration_seconds_count\{outcome="Completed"\} 1$/m,
    );
  });
});
