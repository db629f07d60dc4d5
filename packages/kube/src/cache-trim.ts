/**
 * The pieces of a cache transform (`ExecutionRead.transform`) picked by hand: a transform runs
 * on every event of every object a controller caches, where a schema parse would cost more than
 * the rest of the event's handling.
 */

export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `fields` without the keys whose value is undefined, as a parse would leave them out. */
export function definedFields(fields: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(fields)) if (fields[key] === undefined) delete fields[key];
  return fields;
}

/** The metadata a cache holds, lists and updates an object by; nothing else of it. */
export function cacheMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  return definedFields({
    name: metadata.name,
    namespace: metadata.namespace,
    uid: metadata.uid,
    resourceVersion: metadata.resourceVersion,
    labels: metadata.labels,
  });
}
