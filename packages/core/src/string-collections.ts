import { z } from 'zod';

/**
 * Labels, annotations and finalizers checked by one loop each instead of zod's record and array
 * schemas, which check and copy entry by entry: the API server bounds an object's size, not how
 * many labels it carries, so an author can put 100,000 on a WorkflowExecution, and a controller
 * validates an execution's metadata again on every version its own status writes make (800 ms
 * a parse with zod's, a few ms with these). The value is kept as it came, not copied.
 */
export const StringMapSchema = z.custom<Record<string, string>>(isStringMap, {
  message: 'expected a map of strings to strings',
});

/** A list of strings, checked as `StringMapSchema` is. */
export const StringListSchema = z.custom<string[]>(isStringList, {
  message: 'expected a list of strings',
});

function isStringMap(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = value as Record<string, unknown>;
  for (const key in entries) {
    if (Object.hasOwn(entries, key) && typeof entries[key] !== 'string') return false;
  }
  return true;
}

function isStringList(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item !== 'string') return false;
  return true;
}
