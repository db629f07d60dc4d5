import { cacheMetadata, definedFields, isPlainRecord, trimmedForCache } from '@roundhouse/kube';
import { z } from 'zod';
import { disruptionConditions } from './pod-disruption.js';
import { PodStateSchema } from './status.js';

/**
 * What a controller's cache keeps of a Job's pod: the parts the engine reads (`PodStateSchema`,
 * whose deletion fields say whether a deletion killed its container) and the metadata the cache needs to hold, list and update it. Everything else (the spec,
 * conditions, most of each container status) is dropped, which keeps a cache of many pods small.
 */
export const CachedPodSchema = PodStateSchema.extend({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: z.object({
    name: z.string().optional(),
    creationTimestamp: z.string().optional(),
    deletionTimestamp: z.string().nullish(),
    deletionGracePeriodSeconds: z.number().nullish(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    resourceVersion: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
});

export type CachedPod = z.infer<typeof CachedPodSchema>;

/**
 * The cache transform for the engine's pods (`ExecutionRead.transform`): `CachedPodSchema`'s
 * shape, picked by hand because it runs on every event of every pod the cache holds, where a
 * schema parse cost more than the rest of the event's handling. The engine parses what it
 * reads back with `PodStateSchema`, so nothing unvalidated is trusted.
 */
export function cachedPod(pod: object): object {
  return trimmedForCache(pod, {
    metadata: (metadata) =>
      definedFields({
        ...cacheMetadata(metadata),
        creationTimestamp: metadata.creationTimestamp,
        deletionTimestamp: metadata.deletionTimestamp,
        deletionGracePeriodSeconds: metadata.deletionGracePeriodSeconds,
      }),
    status: cachedStatus,
  });
}

/** What the engine reads of a pod's status; undefined for one of a shape this cannot read. */
function cachedStatus(status: Record<string, unknown>): Record<string, unknown> | undefined {
  const { containerStatuses, conditions } = status;
  if (
    (containerStatuses !== undefined && !Array.isArray(containerStatuses)) ||
    (conditions !== undefined && !(Array.isArray(conditions) && conditions.every(isCondition)))
  )
    return undefined;
  return definedFields({
    phase: status.phase,
    reason: status.reason,
    message: status.message,
    conditions: conditions
      ? disruptionConditions(conditions as ConditionRecord[])?.map((c) =>
          definedFields({
            type: c.type,
            status: c.status,
            reason: c.reason,
            message: c.message,
          }),
        )
      : undefined,
    containerStatuses: containerStatuses?.map((c: unknown) =>
      isPlainRecord(c) ? definedFields({ name: c.name, state: c.state }) : c,
    ),
  });
}

type ConditionRecord = Record<string, unknown> & { type: string; status: string };

function isCondition(value: unknown): value is ConditionRecord {
  return isPlainRecord(value) && typeof value.type === 'string' && typeof value.status === 'string';
}
