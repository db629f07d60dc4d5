/**
 * django-ansible-base's TypeFilterBackend, which every AWX list view applies before its field
 * lookups.
 */
import type { Model } from './filters.js';

/**
 * TypeFilterBackend: `type` (its last value, split at commas) keeps the rows whose type is
 * listed, and every list holds rows of one type, so the list is all or nothing; `type=` is
 * nothing.
 */
export function typePredicate<T>(
  model: Model<T>,
  query: URLSearchParams,
): ((row: T) => boolean) | undefined {
  const raw = query.getAll('type').at(-1);
  if (raw === undefined) return undefined;
  const listed = raw.split(',').includes(typeName(model));
  return () => listed;
}

/** AWX's get_type_for_model: the model's name in snake case, as each row's `type` says. */
function typeName<T>(model: Model<T>): string {
  return model.objectName.replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase();
}
