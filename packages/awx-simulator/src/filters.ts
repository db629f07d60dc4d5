/**
 * AWX's list filtering (`TypeFilterBackend`, `FieldLookupBackend`, DRF's `SearchFilter` and
 * `OrderByBackend`, in django-ansible-base's rest_filters since AWX 24, awx/api/filters.py
 * before): `type`, any model field with a Django lookup suffix, `not__`/`or__`/`chain__`
 * prefixes, `search`, and `order_by`. Errors match AWX: an unknown field is 400 `"<Model> has no
 * field named '<x>'"`, a field marked `prevent_search` (a job's `extra_vars`) is 403 `"Filtering
 * on <x> is not allowed."`, and a password field (a credential's `inputs`) 403 `"Filtering on
 * field <x> is not allowed."`.
 */

import { intValueErrorText, pythonIntText } from './python-int-text.js';
import { AwxServerError, detail, type Reply } from './replies.js';
import { searchPredicate, searchTerms } from './search-filter.js';
import { parseTimestamp } from './timestamps.js';
import { typePredicate } from './type-filter.js';

/**
 * The Django field behind a filter: `char` is a CharField or TextField, `json` a JSONField,
 * which django-ansible-base filters as its text but not case-insensitively.
 */
export type FieldKind = 'int' | 'fk' | 'char' | 'json' | 'bool' | 'datetime';

export interface FieldSpec<T> {
  readonly kind: FieldKind;
  readonly value: (row: T) => unknown;
  /** Why AWX refuses to filter on the field with 403 (`prevent_search`, password fields). */
  readonly forbidden?: string | undefined;
}

export interface Model<T> {
  /** Django's `Model._meta.object_name`, which AWX's error messages quote. */
  readonly objectName: string;
  readonly fields: Readonly<Record<string, FieldSpec<T>>>;
  readonly ordering: readonly string[];
  /**
   * The view's `search_fields`, when it sets its own (job events search `stdout`); otherwise
   * AWX's get_search_fields, the model's `name` and `description`.
   */
  readonly searchFields?: readonly string[] | undefined;
}

// django-ansible-base's ANSIBLE_BASE_REST_FILTERS_RESERVED_NAMES: never a filter.
const RESERVED = new Set([
  'page',
  'page_size',
  'format',
  'order',
  'order_by',
  'search',
  'type',
  'host_filter',
  'count_disabled',
  'no_truncate',
  'limit',
  'validate',
]);

const LOOKUPS = new Set([
  'exact',
  'iexact',
  'contains',
  'icontains',
  'startswith',
  'istartswith',
  'endswith',
  'iendswith',
  'regex',
  'iregex',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'isnull',
  'search',
]);

type Predicate<T> = (row: T) => boolean;

/** Raised while reading the query; caught once at the top and turned into a reply. */
class FilterError extends Error {
  constructor(readonly reply: Reply) {
    super(JSON.stringify(reply.body));
  }
}

const parseError = (message: string) => new FilterError(detail(400, message));

/**
 * A Django field's ValidationError, which django-ansible-base's FieldLookupBackend words as
 * `json.dumps(e.messages, ensure_ascii=False)`: its quotes, backslashes and controls escaped.
 */
const validationError = (message: string) => parseError(JSON.stringify([message]));

/** FieldLookupBackend.value_to_python refuses a lookup Python cannot encode as ASCII. */
function asciiField(lookup: string): void {
  if ([...lookup].some((char) => (char.codePointAt(0) ?? 0) > 0x7f)) {
    throw parseError(`${lookup} is not an allowed field name. Must be ascii encodable.`);
  }
}

/**
 * A `__search` lookup searches the text fields of the related model (FieldLookupBackend
 * .value_to_python); on a field that is no relation it is 400 `<path> is not searchable`.
 */
function searchRefusal<T>(model: Model<T>, path: string): FilterError {
  if (path === '') return parseError('Query string field name not provided.');
  const spec = resolveField(model, path.split('__'));
  if (spec.kind === 'fk') {
    return parseError(
      `Searching across relations (${path}__search) is not implemented by the AWX simulator.`,
    );
  }
  return parseError(`${path} is not searchable`);
}

/** Filters, searches and orders `rows` as AWX would for this query, or says why it cannot. */
export function queryRows<T>(
  model: Model<T>,
  rows: readonly T[],
  query: URLSearchParams,
): T[] | Reply {
  try {
    const and: Predicate<T>[] = [];
    const or: Predicate<T>[] = [];
    const type = typePredicate(model, query);
    if (type) and.push(type);
    for (const key of new Set(query.keys())) {
      if (RESERVED.has(key)) continue;
      for (const value of query.getAll(key)) {
        const { group, predicate } = parseFilter(model, key, value);
        (group === 'or' ? or : and).push(predicate);
      }
    }
    const terms = searchTerms(query.getAll('search').at(-1) ?? '');
    if (!Array.isArray(terms)) throw new FilterError(terms);
    const search = searchPredicate(model, terms);
    if (search) and.push(search);
    const matching = rows.filter(
      (row) => and.every((p) => p(row)) && (or.length === 0 || or.some((p) => p(row))),
    );
    return orderRows(model, matching, requestedOrdering(query));
  } catch (error) {
    if (error instanceof FilterError) return error.reply;
    throw error;
  }
}

function parseFilter<T>(
  model: Model<T>,
  rawKey: string,
  rawValue: string,
): { group: 'and' | 'or'; predicate: Predicate<T> } {
  let key = rawKey;
  let value = rawValue;
  const integer = key.endsWith('__int');
  if (integer) key = key.slice(0, -5);
  // FieldLookupBackend takes a `__search` key whole, before the prefixes and before `__int`
  // reads its value, and searches only across a relation.
  if (key.endsWith('__search')) {
    asciiField(key);
    throw searchRefusal(model, key.slice(0, -'__search'.length));
  }
  let group: 'and' | 'or' = 'and';
  if (key.startsWith('chain__')) key = key.slice(7);
  else if (key.startsWith('or__')) {
    key = key.slice(4);
    group = 'or';
  }
  const negate = key.startsWith('not__');
  if (negate) key = key.slice(5);
  if (integer) {
    // DAB's `int(value)`, whose ValueError it passes on; value_to_python is then given the int,
    // which those lookups that read text see as its str(), all its digits.
    const read = pythonIntText(value);
    if (typeof read !== 'bigint') throw parseError(intValueErrorText(value, read));
    value = read.toString();
  }
  asciiField(key);

  const parts = key.split('__');
  const last = parts[parts.length - 1] as string;
  const lookup = parts.length > 1 && LOOKUPS.has(last) ? (parts.pop() as string) : 'exact';
  if (parts.join('') === '') throw parseError('Query string field name not provided.');
  const spec = resolveField(model, parts);
  if (lookup === 'iexact' && spec.kind !== 'char') {
    // FieldLookupBackend.value_to_python: only a CharField or TextField may be (its name).
    const name = parts[0] === 'pk' ? 'id' : (parts[0] as string);
    throw parseError(
      `${name} is not a text field and cannot be filtered by case-insensitive search`,
    );
  }
  const test = lookupTest(spec, lookup, parts[0] as string, { raw: value, integer });
  const predicate: Predicate<T> = (row) => test(spec.value(row));
  return { group, predicate: negate ? (row) => !predicate(row) : predicate };
}

function resolveField<T>(model: Model<T>, parts: readonly string[]): FieldSpec<T> {
  const [name = '', ...rest] = parts;
  const spec = model.fields[name === 'pk' ? 'id' : name];
  if (!spec) throw parseError(`${model.objectName} has no field named '${name}'`);
  if (spec.forbidden) throw new FilterError(detail(403, spec.forbidden));
  if (rest.length > 0) {
    if (spec.kind !== 'fk') throw parseError(`No related model for field ${rest[0]}.`);
    throw parseError(
      `Filtering across relations (${parts.join('__')}) is not implemented by the AWX simulator.`,
    );
  }
  return spec;
}

type Test = (rowValue: unknown) => boolean;

/** A filter's value: its text, or with `__int` the int DAB made of it (written as its str()). */
interface FilterValue {
  readonly raw: string;
  readonly integer: boolean;
}

function lookupTest<T>(
  spec: FieldSpec<T>,
  lookup: string,
  name: string,
  { raw, integer }: FilterValue,
): Test {
  switch (lookup) {
    case 'isnull': {
      const wanted = pythonBoolean(raw);
      return (v) => (v === null || v === undefined) === wanted;
    }
    case 'in': {
      // value_to_python's `if not value` is false of the int 0 alone; another int has no split.
      if (raw === '' || (integer && raw === '0')) {
        throw parseError('cannot provide empty value for __in');
      }
      if (integer)
        throw new AwxServerError("AttributeError: 'int' object has no attribute 'split'");
      const items = raw.split(',').map((item) => toPython(spec, name, item));
      return (v) => items.some((item) => same(v, item));
    }
    case 'regex':
    case 'iregex': {
      if (integer) throw parseError('first argument must be string or compiled pattern');
      let pattern: RegExp;
      try {
        pattern = new RegExp(raw, lookup === 'iregex' ? 'i' : '');
      } catch (error) {
        throw parseError((error as Error).message);
      }
      return (v) => v !== null && pattern.test(String(v));
    }
  }
  // DateTimeField.to_python hands the int to parse_datetime, whose fromisoformat raises a
  // TypeError that FieldLookupBackend words.
  if (integer && spec.kind === 'datetime') throw parseError('fromisoformat: argument must be str');
  const wanted = toPython(spec, name, raw);
  const textual = (f: (row: string, value: string) => boolean, fold: boolean): Test => {
    const target = fold ? String(wanted).toLowerCase() : String(wanted);
    return (v) =>
      v !== null && v !== undefined && f(fold ? String(v).toLowerCase() : String(v), target);
  };
  switch (lookup) {
    case 'exact':
      return (v) => same(v, wanted);
    case 'iexact':
      return textual((a, b) => a === b, true);
    case 'contains':
    case 'icontains':
      return textual((a, b) => a.includes(b), lookup === 'icontains');
    case 'startswith':
    case 'istartswith':
      return textual((a, b) => a.startsWith(b), lookup === 'istartswith');
    case 'endswith':
    case 'iendswith':
      return textual((a, b) => a.endsWith(b), lookup === 'iendswith');
    case 'gt':
      return (v) => compare(v, wanted) > 0;
    case 'gte':
      return (v) => compare(v, wanted) >= 0;
    case 'lt':
      return (v) => compare(v, wanted) < 0;
    default:
      return (v) => compare(v, wanted) <= 0;
  }
}

function same(a: unknown, b: unknown): boolean {
  return (a ?? null) === (b ?? null);
}

/** SQL comparison: NULL compares as unknown, which never matches. */
function compare(a: unknown, b: unknown): number {
  if (a === null || a === undefined || b === null || b === undefined) return Number.NaN;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [x, y] = [String(a), String(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Converts a query value the way the Django field's `to_python` would. */
function toPython<T>(spec: FieldSpec<T>, name: string, raw: string): unknown {
  switch (spec.kind) {
    case 'bool':
      return pythonBoolean(raw);
    case 'fk':
      if (['none', 'null'].includes(raw.toLowerCase())) return null;
      return pythonInt(raw, () => parseError(`Invalid ${name} id: ${raw}`));
    case 'int':
      return pythonInt(raw, () => validationError(`\u201c${raw}\u201d value must be an integer.`));
    case 'datetime': {
      const micros = parseTimestamp(raw.trim());
      if (micros === undefined) {
        throw validationError(
          `\u201c${raw}\u201d value has an invalid format. It must be in YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format.`,
        );
      }
      return micros;
    }
    default:
      return raw;
  }
}

/** int() of a query value, which both Django's IntegerField and to_python_related run. */
function pythonInt(raw: string, error: () => FilterError): number {
  const value = pythonIntText(raw);
  if (typeof value !== 'bigint') throw error();
  return Number(value);
}

/** AWX's `to_python_boolean`. */
function pythonBoolean(raw: string): boolean {
  const lower = raw.toLowerCase();
  if (['true', '1', 't'].includes(lower)) return true;
  if (['false', '0', 'f'].includes(lower)) return false;
  throw parseError(`Unable to convert "${raw}" to boolean`);
}

/**
 * django-ansible-base's OrderByBackend reads `request.query_params.items()`: each key once, in
 * the order it first appears, with its last value; so of `order` and `order_by` the one that
 * appears later wins, and of a repeated one its last value. (It would append the view's own
 * `ordering`, but none of the views simulated here has one: ties keep the rows' order, one of
 * those PostgreSQL may give.)
 */
function requestedOrdering(query: URLSearchParams): string | null {
  let ordering: string | null = null;
  for (const key of new Set(query.keys())) {
    if (key === 'order' || key === 'order_by') ordering = query.getAll(key).at(-1) ?? null;
  }
  return ordering;
}

function orderRows<T>(model: Model<T>, rows: T[], orderBy: string | null): T[] {
  const keys = orderBy === null ? model.ordering : orderBy.split(',');
  const sorters = keys.map((key) => {
    // OrderByBackend reads `field_name[0]`, which an empty name (`order_by=name,`) has not.
    if (key === '') throw new AwxServerError('IndexError: string index out of range');
    const descending = key.startsWith('-');
    const spec = resolveField(model, [descending ? key.slice(1) : key]);
    return { spec, descending };
  });
  return [...rows].sort((a, b) => {
    for (const { spec, descending } of sorters) {
      const order = orderValues(spec.value(a), spec.value(b));
      if (order !== 0) return descending ? -order : order;
    }
    return 0;
  });
}

/** PostgreSQL's default: NULLs sort after everything ascending, before everything descending. */
function orderValues(a: unknown, b: unknown): number {
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) return aNull === bNull ? 0 : aNull ? 1 : -1;
  return compare(a, b);
}
