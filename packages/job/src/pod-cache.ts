import { z } from 'zod';
import { PodStateSchema } from './status.js';

/**
 * What a controller's cache keeps of a Job's pod: the parts the engine reads (`PodStateSchema`)
 * and the metadata the cache needs to hold, list and update it. Everything else (the spec,
 * conditions, most of each container status) is dropped, which keeps a cache of many pods small.
 */
export const CachedPodSchema = PodStateSchema.extend({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: z.object({
    name: z.string().optional(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    resourceVersion: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
});

export type CachedPod = z.infer<typeof CachedPodSchema>;

/** The cache transform for the engine's pods (`ExecutionRead.transform`). */
export function cachedPod(pod: object): object {
  const parsed = CachedPodSchema.safeParse(pod);
  // A pod the schema cannot read is kept whole, so the engine's own parse reports it as it
  // would on a live read instead of the cache silently holding less.
  return parsed.success ? parsed.data : pod;
}
