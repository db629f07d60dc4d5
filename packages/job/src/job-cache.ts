import { definedFields, trimmedForCache } from '@roundhouse/kube';

/**
 * A cache transform for the engine's Jobs (a controller's informer on them): the Job without its
 * pod template, whose environment carries the execution's parameters and so can make a Job as
 * large as the API server stores, and without `managedFields`. What is kept is what anything
 * reads of a cached Job: the whole rest of the metadata (the owner labels and annotations that
 * map it to its execution and that adoption and cleanup check, its finalizers, creation and
 * deletion times), the status (`JobStateSchema`: counts, conditions, times; small), and of the
 * spec only `completions` and `managedBy`, which the status reads. Picked by hand, as
 * `cachedPod` is, because it runs on every event of every Job the cache holds; the engine
 * parses what it reads back with `JobStateSchema`, so nothing unvalidated is trusted.
 */
export function cachedJob(job: object): object {
  return trimmedForCache(job, {
    spec: (spec) => definedFields({ completions: spec.completions, managedBy: spec.managedBy }),
    status: (status) => status,
  });
}
