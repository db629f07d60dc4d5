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

/**
 * What a cache keeps of a part of an object (its spec or status), given the part as a record:
 * undefined when the part is not of a shape the trim can read.
 */
type PartTrim = (part: Record<string, unknown>) => Record<string, unknown> | undefined;

/** How `trimmedForCache` trims each part of an object; a part with no trim is dropped. */
export interface CacheTrim {
  /** What is kept of the metadata; by default all of it but `managedFields`. */
  readonly metadata?: ((metadata: Record<string, unknown>) => Record<string, unknown>) | undefined;
  readonly spec?: PartTrim | undefined;
  readonly status?: PartTrim | undefined;
}

/** A part that `trimmedForCache` cannot read, which keeps the object whole. */
const unreadable = Symbol('unreadable');

/**
 * `object` as a cache keeps it: its apiVersion and kind, and what `trim` keeps of its metadata,
 * spec and status (a part the object has not stays absent). An object whose metadata is not a
 * record, or with a trimmed part that is not one or that its trim cannot read, is kept whole, so
 * the engine's own parse of what it reads back reports it as it would on a live read instead of
 * the cache silently holding less.
 */
export function trimmedForCache(object: object, trim: CacheTrim): object {
  const { apiVersion, kind, metadata, spec, status } = object as Record<string, unknown>;
  if (!isPlainRecord(metadata)) return object;
  const keptSpec = keptPart(spec, trim.spec);
  const keptStatus = keptPart(status, trim.status);
  if (keptSpec === unreadable || keptStatus === unreadable) return object;
  return definedFields({
    apiVersion,
    kind,
    metadata: trim.metadata ? trim.metadata(metadata) : withoutManagedFields(metadata),
    spec: keptSpec,
    status: keptStatus,
  });
}

function keptPart(part: unknown, trim: PartTrim | undefined): unknown {
  if (trim === undefined || part === undefined) return undefined;
  if (!isPlainRecord(part)) return unreadable;
  return trim(part) ?? unreadable;
}

/** `managedFields` is the server-side apply bookkeeping: often the larger part of metadata. */
function withoutManagedFields(metadata: Record<string, unknown>): Record<string, unknown> {
  const { managedFields: _, ...kept } = metadata;
  return kept;
}
