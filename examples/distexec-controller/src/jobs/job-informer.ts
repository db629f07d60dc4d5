import type { Informer, InformerCache } from '@roundhouse/controller';
import { type Conventions, ownedResourcesSelector } from '@roundhouse/core';
import { cachedJob } from '@roundhouse/job';
import { type KubeObject, resources } from '@roundhouse/kube';
import {
  jobsByOwner,
  jobsInFlightByNamespace,
  jobsInFlightByOwner,
  namespaceOfJobInFlight,
  ownerOfJob,
  ownerOfJobInFlight,
} from './job-index.js';

/**
 * The node Jobs of the execution namespace, indexed by DistExec. Cached as `cachedJob` trims
 * them: a node Job's pod template carries the author's whole command (each "$" doubled), up to
 * the API server's object limit, and everything the reconciler reads of a Job (owner labels
 * and annotations, status, `completions`) is kept.
 */
export function nodeJobsInformer(
  cache: InformerCache,
  conventions: Conventions,
  executionNamespace: string,
): Informer<KubeObject> {
  return cache
    .informerFor<KubeObject>(resources.jobs, {
      namespace: executionNamespace,
      labelSelector: ownedResourcesSelector(conventions),
      // The function itself, not a wrapper: `informerFor` shares an informer only for the same one.
      transform: cachedJob as (obj: KubeObject) => KubeObject,
    })
    .addIndex(jobsByOwner, ownerOfJob(conventions))
    .addIndex(jobsInFlightByNamespace, namespaceOfJobInFlight(conventions))
    .addIndex(jobsInFlightByOwner, ownerOfJobInFlight(conventions));
}
