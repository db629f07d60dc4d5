import { KubeConfig } from '@kubernetes/client-node';
import { InformerCache } from '@roundhouse/controller';
import { conventionKeys, roundhouseConventions } from '@roundhouse/core';
import type {
  KubeClient,
  KubeObject,
  ListOptions,
  WatchOptions,
  WatchOutcome,
} from '@roundhouse/kube';
import { afterEach, describe, expect, it } from 'vitest';
import { distExecView } from '../spec.js';
import { jobsByOwner } from './job-index.js';
import { nodeJobsInformer } from './job-informer.js';
import { buildNodeJob, nodeExecution, parseNodeTarget } from './node-job.js';

const executionNamespace = 'distexec-jobs';
const settings = {
  conventions: roundhouseConventions,
  serviceAccountName: 'runner',
  securityProfile: 'restricted',
} as const;

/** A finished node Job of a DistExec whose shell is as long as the CRD allows, all "$". */
function largestNodeJob(): KubeObject {
  const view = distExecView({
    metadata: { name: 'x', namespace: 'tenant-a', uid: 'u-1', generation: 1 },
    spec: { shell: `${'$'.repeat(16_383)}€`, retries: 10 },
  });
  if (!view.spec.valid) throw new Error('the DistExec under test is refused');
  const job = buildNodeJob(
    nodeExecution(view, view.spec.value, 'node-1', 3, 'busybox:1.37'),
    executionNamespace,
    settings,
  );
  return {
    ...job,
    metadata: { ...job.metadata, uid: 'j-1', resourceVersion: '7' },
    status: { failed: 1, conditions: [{ type: 'Failed', status: 'True' }] },
  } as KubeObject;
}

/** A client whose list answers `objects` as the API server does (the transform applied). */
function listingClient(objects: KubeObject[]): KubeClient {
  return {
    list: async (_type: unknown, _namespace: unknown, options: ListOptions = {}) => ({
      items: objects.map((o) => options.transform?.(o) ?? o),
      resourceVersion: '10',
    }),
    watch: (_t: unknown, _n: unknown, _e: unknown, options: WatchOptions) =>
      new Promise<WatchOutcome>((resolve) =>
        options.signal?.addEventListener('abort', () => resolve({ end: 'stopped' })),
      ),
  } as unknown as KubeClient;
}

const caches: InformerCache[] = [];
afterEach(async () => {
  await Promise.all(caches.splice(0).map((cache) => cache.stop()));
});

describe('nodeJobsInformer', () => {
  it("caches a node Job without its pod template (the author's command), keeping what the reconciler reads", async () => {
    const job = largestNodeJob();
    const cache = new InformerCache(new KubeConfig(), { client: listingClient([job]) });
    caches.push(cache);
    const jobs = nodeJobsInformer(cache, roundhouseConventions, executionNamespace);
    await cache.start();

    const [cached] = jobs.byIndex(jobsByOwner, 'tenant-a/x');
    expect(JSON.stringify(job).length).toBeGreaterThan(32_768);
    expect(JSON.stringify(cached).length).toBeLessThan(4096);
    const keys = conventionKeys(roundhouseConventions);
    const annotations = cached?.metadata?.annotations ?? {};
    expect(parseNodeTarget(annotations[keys.targetResourceAnnotation], 'tenant-a', 'x')).toEqual({
      node: 'node-1',
      generation: 1,
      attempt: 3,
    });
    expect(annotations[keys.workflowExecutionUidAnnotation]).toBe('u-1');
    expect(cached?.metadata?.labels).toEqual(job.metadata?.labels);
    expect((cached as { status?: unknown }).status).toEqual((job as { status?: unknown }).status);
  });
});
