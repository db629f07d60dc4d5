import { join } from 'node:path';
import { formatKubeTime } from '@roundhouse/core';
import type { KubeClient } from '@roundhouse/kube';
import { cleanupFinalizer, workflowExecutions } from '@roundhouse/workflowexecution';
import type { ControllerProcess } from './processes.js';
import { peakRssBytes, waitQuiet } from './processes.js';
import type { ControllerScope } from './roundhouse.js';
import type { ScaleContext } from './scenario.js';
import { executionBody, jobNameOf, userKubeconfigFile } from './workload.js';

/** Requests in flight while preparing: enough to keep the API server busy, not to swamp it. */
const concurrency = 32;

/**
 * `count` executions that are long finished, their locks released and their finalizer in place:
 * a controller that starts on them only caches them, with nothing to do and nothing to send.
 */
export async function prepareFinished(
  admin: KubeClient,
  namespace: string,
  count: number,
): Promise<void> {
  const longAgo = formatKubeTime(new Date(Date.now() - 24 * 3600_000));
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const body = executionBody(i);
      await admin.create(workflowExecutions, namespace, {
        ...body,
        metadata: { ...body.metadata, finalizers: [cleanupFinalizer] },
      });
      await admin.patch(
        workflowExecutions,
        namespace,
        body.metadata?.name ?? '',
        {
          status: {
            phase: 'Completed',
            startTime: longAgo,
            completionTime: longAgo,
            executionRef: { name: jobNameOf(i) },
            conditions: [
              {
                type: 'LockReleased',
                status: 'True',
                reason: 'CleanedUp',
                message: 'prepared by the bench',
                lastTransitionTime: longAgo,
              },
            ],
          },
        },
        { strategy: 'merge', subresource: 'status' },
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export interface CachedRss {
  readonly rssBytes: number;
  /** The JavaScript heap's live objects, for a Node controller. */
  readonly heapUsedBytes?: number;
  /** The most RSS it had, start-up included. */
  readonly peakRssBytes: number;
  /** False when the controller still used CPU at the end of the wait (RSS may still grow). */
  readonly quiet: boolean;
}

/**
 * RSS of a controller that watches a namespace of finished executions, once its caches are
 * synced and it has gone quiet (after a GC, for Node).
 */
export async function cachedRss(
  ctx: ScaleContext,
  watchNamespace: string,
  user: string,
  start: (scope: ControllerScope) => Promise<ControllerProcess>,
): Promise<CachedRss> {
  const controller = await start({
    kubeconfig: await userKubeconfigFile(ctx.plane, ctx.workDir, user),
    watchNamespace,
    executionNamespace: await ctx.plane.createNamespace('cached-exec'),
    workers: ctx.workers,
    logPath: join(ctx.workDir, `${user}.log`),
  });
  try {
    const quiet = await waitQuiet(controller, 120_000);
    const { rssBytes, heapUsedBytes } = await controller.sample({ gc: true });
    return {
      rssBytes,
      ...(heapUsedBytes !== undefined ? { heapUsedBytes } : {}),
      peakRssBytes: await peakRssBytes(controller.pid),
      quiet,
    };
  } finally {
    await controller.stop();
  }
}
