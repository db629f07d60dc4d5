import { KubeConfig } from '@kubernetes/client-node';
import { formatKubeTime } from '@roundhouse/core';
import { KubeClient, resources } from '@roundhouse/kube';
import { cleanupFinalizer, workflowExecutions } from '@roundhouse/workflowexecution';
import type { ScaleContext, ScenarioResult } from './scenario.js';
import { Tracker } from './tracker.js';
import {
  executionBody,
  executionName,
  firstJobShape,
  jobNameOf,
  removeJobs,
  roundhouseJob,
  runExecutions,
  userKubeconfigFile,
} from './workload.js';

export const floorUser = 'bench-floor';

/**
 * The floor: the least any controller of this lifecycle must send, sent directly with every
 * execution in flight on one keep-alive pool (one KubeClient) under its own user. Per
 * execution: the finalizer patch and the Job create at once, the Running status once both
 * returned, and the Completed status as soon as the bench's watch sees the Job finish: 4
 * requests, and no reads at all (the watch is the bench's, as a controller's cache would be).
 */
export async function measureFloor(
  ctx: ScaleContext,
  executions = ctx.executions,
): Promise<ScenarioResult> {
  const watch = await ctx.plane.createNamespace('floor-wfe');
  const execution = await ctx.plane.createNamespace('floor-exec');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(await userKubeconfigFile(ctx.plane, ctx.workDir, floorUser));
  const client = new KubeClient(kubeConfig, { fieldManager: floorUser });
  const writes: Promise<unknown>[] = [];
  const complete = (name: string) =>
    writes.push(
      client.patch(
        workflowExecutions,
        watch,
        name,
        { status: { phase: 'Completed', completionTime: formatKubeTime(new Date()) } },
        { strategy: 'merge', subresource: 'status' },
      ),
    );
  // Connect before the clock starts, as a running controller is connected.
  await Promise.all(
    Array.from({ length: 16 }, () => client.get(resources.namespaces, undefined, watch)),
  );
  const tracker = await Tracker.start(
    ctx.admin,
    { watch, execution },
    { onJobFinished: complete, sample: executionName(0) },
  );
  try {
    const timeline = await runExecutions(
      ctx.plane,
      tracker,
      executions,
      ctx.timeoutMs,
      async (i) => {
        const name = executionName(i);
        const { object: created } = await ctx.admin.create(
          workflowExecutions,
          watch,
          executionBody(i),
        );
        await Promise.all([
          client.patch(
            workflowExecutions,
            watch,
            name,
            { metadata: { finalizers: [cleanupFinalizer] } },
            { strategy: 'merge' },
          ),
          client.create(resources.jobs, execution, roundhouseJob(created, execution)),
        ]);
        await client.patch(
          workflowExecutions,
          watch,
          name,
          {
            status: {
              phase: 'Running',
              startTime: formatKubeTime(new Date()),
              executionRef: { name: jobNameOf(i) },
            },
          },
          { strategy: 'merge', subresource: 'status' },
        );
      },
    );
    await Promise.all(writes);
    const jobShape = firstJobShape(tracker, { watch, execution });
    return { name: 'floor', user: floorUser, executions, timeline, jobShape };
  } finally {
    await tracker.stop();
    await client.close();
    await removeJobs(ctx.admin, execution, ctx.timeoutMs);
  }
}
