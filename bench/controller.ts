import { ControllerMetrics, InformerCache } from '@roundhouse/controller';
import { Registry } from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import type { ControlPlane } from '@roundhouse/testenv';
import {
  createWorkflowExecutionController,
  ensureWorkflowExecutionCrd,
  workflowExecutions,
} from '@roundhouse/workflowexecution';

export const executions = 30;
const count = executions;

async function until(check: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('benchmark did not finish in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const isComplete = (
  job: KubeObject & { status?: { conditions?: { type: string; status: string }[] } },
) => job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ?? false;

/**
 * End to end on a real control plane with real Job lifecycles: `count` executions through the
 * WorkflowExecution controller, against the baseline of creating the same Jobs directly and
 * waiting for them to complete. The ratio is what the controller adds per execution.
 */
export async function controllerThroughput(plane: ControlPlane): Promise<{
  baselineMs: number;
  controllerMs: number;
  memoryMiB: number;
  reconciles: number;
  meanReconcileMs: number;
}> {
  const client = new KubeClient(plane.kubeConfig);
  const direct = await plane.createNamespace('bench-direct');
  let start = performance.now();
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      client.create(resources.jobs, direct, {
        metadata: { name: `job-${i}` },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'workflow', image: 'registry.invalid/w:1' }],
            },
          },
        },
      }),
    ),
  );
  await until(
    async () =>
      (await client.list(resources.jobs, direct)).items.filter(isComplete).length === count,
  );
  const baselineMs = performance.now() - start;

  await ensureWorkflowExecutionCrd(client);
  const watch = await plane.createNamespace('bench-wfe');
  const execution = await plane.createNamespace('bench-exec');
  const metrics = new ControllerMetrics();
  const cache = new InformerCache(plane.kubeConfig, { client });
  const { controller } = await createWorkflowExecutionController({
    kubeConfig: plane.kubeConfig,
    registry: new Registry().register(new JobExecutor(client, { reader: cache })),
    cache,
    executionNamespace: execution,
    watchNamespace: watch,
    workers: Number(process.env.ROUNDHOUSE_BENCH_WORKERS ?? 4),
    metrics,
  });
  const abort = new AbortController();
  const running = controller.start(abort.signal);
  await until(async () => controller.ready);
  const heapBefore = process.memoryUsage().heapUsed;
  start = performance.now();
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      client.create(workflowExecutions, watch, {
        metadata: { name: `wfe-${i}` },
        spec: {
          workflowRef: {
            workflowId: 'bench',
            version: '1',
            executionBundle: 'registry.invalid/w:1',
          },
          targetResource: `bench/deployment/app-${i}`,
          executionEngine: 'job',
        },
      }),
    ),
  );
  await until(async () => {
    const { items } = await client.list<KubeObject & { status?: { phase?: string } }>(
      workflowExecutions,
      watch,
    );
    return items.filter((w) => w.status?.phase === 'Completed').length === count;
  });
  const controllerMs = performance.now() - start;
  const memoryMiB = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  abort.abort();
  await running;
  const duration =
    (await metrics.registry.getSingleMetric('reconcile_duration_seconds')?.get())?.values ?? [];
  const sum =
    duration.find(
      (v) => (v as { metricName?: string }).metricName === 'reconcile_duration_seconds_sum',
    )?.value ?? 0;
  const reconciles =
    duration.find(
      (v) => (v as { metricName?: string }).metricName === 'reconcile_duration_seconds_count',
    )?.value ?? 0;
  return {
    baselineMs,
    controllerMs,
    memoryMiB,
    reconciles,
    meanReconcileMs: reconciles ? (sum * 1000) / reconciles : 0,
  };
}
