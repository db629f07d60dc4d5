import type { Conventions, ExecutionRead } from '@roundhouse/core';
import { type KubeObject, resources, type StatusContext } from '@roundhouse/kube';
import { jobPodsFieldSelector, jobPodsSelector } from './job-spec.js';
import { cachedPod } from './pod-cache.js';
import { type PodState, PodStateSchema } from './status.js';

/**
 * What a Job's status checks read: its pods that have not started or have failed, trimmed to
 * what those reads need. A controller caches these (`Executor.reads`), so neither a stuck start
 * nor a failure costs a request to explain. Every Job `buildJob` builds labels its pods so,
 * whatever engine wraps it.
 */
export function jobPodsRead(conventions: Conventions): ExecutionRead {
  return Object.freeze({
    resource: resources.pods,
    labelSelector: jobPodsSelector(conventions),
    fieldSelector: jobPodsFieldSelector,
    transform: cachedPod,
  });
}

/**
 * A Job's pods that have not started or have failed, asked for with `jobPodsRead`'s selectors
 * narrowed to this Job, so a controller's cache answers from memory; the API server gives the
 * same answer, since every pod of the Job carries the template's labels.
 */
export async function jobPodStates(
  job: KubeObject,
  context: StatusContext,
  conventions: Conventions,
): Promise<PodState[]> {
  const pods = await context.reader.list<KubeObject>(resources.pods, context.namespace, {
    labelSelector: `${jobPodsSelector(conventions)},batch.kubernetes.io/controller-uid=${job.metadata?.uid}`,
    fieldSelector: jobPodsFieldSelector,
    signal: context.signal,
  });
  return pods.items.map((p) => PodStateSchema.parse(p));
}
