import { ControllerMetrics } from '@roundhouse/controller';
import { KubeClient } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import {
  apply,
  jobRegistry,
  manifest,
  patience,
  type RunningController,
  startController,
  waitForPhase,
} from './harness.js';

/*
 * kubernaut's BR-WE-008 (02_observability_test.go): after an execution ends, the controller's
 * /metrics has workflowexecution_reconciler_total{outcome="Completed"} (or "Failed") moved on,
 * and workflowexecution_reconciler_duration_seconds beside it.
 */
describeWithControlPlane('WorkflowExecution controller outcome metrics', () => {
  const env = useTestNamespace({ prefix: 'wfe-metrics' });
  const metrics = new ControllerMetrics({ processMetrics: false });
  let controller: RunningController;
  const client = () => new KubeClient(env.kubeConfig);

  beforeAll(async () => {
    const executionNamespace = await env.controlPlane.createNamespace('wfe-metrics-exec');
    controller = await startController({
      kubeConfig: env.kubeConfig,
      registry: jobRegistry(env.kubeConfig, { runSeconds: 1 }),
      watchNamespace: env.namespace,
      executionNamespace,
      metrics,
    });
  });

  afterAll(async () => controller?.stop());

  const count = async (outcome: string) => {
    const line = (await metrics.registry.metrics())
      .split('\n')
      .find((l) => l.startsWith(`workflowexecution_reconciler_total{outcome="${outcome}"}`));
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  };

  it('BR-WE-008: counts a Completed and a Failed execution under their outcome', async () => {
    const done = await apply(client(), env.namespace, manifest());
    await waitForPhase(client(), env.namespace, done.metadata.name, 'Completed');
    // A bundle the policy does not list is refused before it starts: Failed, as kubernaut counts it.
    const refused = await apply(
      client(),
      env.namespace,
      manifest({ bundle: 'elsewhere.invalid/restart:1' }),
    );
    await waitForPhase(client(), env.namespace, refused.metadata.name, 'Failed');
    await vi.waitFor(async () => {
      expect(await count('Completed')).toBe(1);
      expect(await count('Failed')).toBe(1);
    }, patience);
    expect(await metrics.registry.metrics()).toMatch(
      /^workflowexecution_reconciler_duration_seconds_count\{outcome="Completed"\} 1$/m,
    );
  });
});
