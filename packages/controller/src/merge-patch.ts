import { isDeepStrictEqual } from 'node:util';

/**
 * The JSON merge patch (RFC 7386) that turns `before` into `after`, both JSON values: only
 * what changed, `null` for a key `after` drops, arrays and scalars whole. `undefined` when no
 * merge patch can say it: a `null` in `after` would read as "remove" rather than as a value.
 */
export function mergePatchOf(before: unknown, after: unknown): unknown {
  if (containsNull(after)) return undefined;
  return diff(before, after);
}

function diff(before: unknown, after: unknown): unknown {
  if (!isPlainObject(before) || !isPlainObject(after)) return after;
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(after)) {
    if (!Object.hasOwn(before, key)) patch[key] = value;
    else if (!isDeepStrictEqual(before[key], value)) patch[key] = diff(before[key], value);
  }
  for (const key of Object.keys(before)) if (!Object.hasOwn(after, key)) patch[key] = null;
  return patch;
}

function containsNull(value: unknown): boolean {
  if (value === null) return true;
  if (Array.isArray(value)) return value.some(containsNull);
  return isPlainObject(value) && Object.values(value).some(containsNull);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
