/**
 * `json.dumps` of what `safeLoad` made, as parse_yaml_or_json calls it on YAML `extra_vars`: the
 * JSON-compatible value, or the TypeError or ValueError it raises. It writes a value once per
 * alias of it, and that expansion is what MAX_ALIAS_EXPANSION bounds.
 */
import { pythonDict } from './python-dict.js';
import { isRawJson, PYTHON_INT_MAX_STR_DIGITS, pythonFloatRepr } from './python-json.js';
import { expansionTooLarge, MAX_ALIAS_EXPANSION, UnserializableValue } from './python-yaml.js';

/**
 * int.__repr__'s ValueError, which json.dumps meets writing an integer of more decimal digits
 * (its sign not counted) than sys.get_int_max_str_digits(): one PyYAML reads in base 2, 8 or 16,
 * or sexagesimal, where int() sets no limit on the text.
 */
const INT_REPR_LIMIT = {
  ok: false,
  error: `Exceeds the limit (${PYTHON_INT_MAX_STR_DIGITS} digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit`,
} as const;

function reprExceedsLimit(value: unknown): boolean {
  return isRawJson(value) && value.rawJSON.replace(/^-/, '').length > PYTHON_INT_MAX_STR_DIGITS;
}

/** How `json.dumps` writes a key: None, booleans and numbers as their JSON text. */
function jsonKey(key: unknown): string | UnserializableValue {
  if (typeof key === 'string' || key instanceof UnserializableValue) return key;
  if (isRawJson(key)) return key.rawJSON;
  if (typeof key === 'number') return Number.isFinite(key) ? String(key) : pythonFloatRepr(key);
  return key === null ? 'null' : String(key);
}

/**
 * The value as JSON-compatible data, or the TypeError `json.dumps` raises on it: a date, bytes or
 * a set, or a key of such a type, found first in document order. A list or mapping met again
 * (an alias of it) is written again, each of its values counted against MAX_ALIAS_EXPANSION.
 */
export function jsonCompatible(
  value: unknown,
): { ok: true; value: unknown } | { ok: false; error: string } {
  const seen = new Set<unknown>();
  // The lists and dicts being written, which json.dumps's check_circular refuses to meet again.
  const writing = new Set<unknown>();
  let again = 0;
  const convert = (
    value: unknown,
    repeated: boolean,
  ): { ok: true; value: unknown } | { ok: false; error: string } => {
    if (repeated && ++again > MAX_ALIAS_EXPANSION) throw expansionTooLarge();
    if (value instanceof UnserializableValue) {
      return { ok: false, error: `Object of type ${value.pythonType} is not JSON serializable` };
    }
    if (reprExceedsLimit(value)) return INT_REPR_LIMIT;
    if (!Array.isArray(value) && !(value instanceof Map)) return { ok: true, value };
    if (writing.has(value)) return { ok: false, error: 'Circular reference detected' };
    const inner = repeated || seen.has(value);
    seen.add(value);
    writing.add(value);
    try {
      return convertCollection(value, inner);
    } finally {
      writing.delete(value);
    }
  };
  const convertCollection = (
    value: unknown[] | Map<unknown, unknown>,
    inner: boolean,
  ): { ok: true; value: unknown } | { ok: false; error: string } => {
    if (Array.isArray(value)) {
      const items: unknown[] = [];
      for (const item of value) {
        const converted = convert(item, inner);
        if (!converted.ok) return converted;
        items.push(converted.value);
      }
      return { ok: true, value: items };
    }
    const entries: [string, unknown][] = [];
    for (const [key, item] of value) {
      if (reprExceedsLimit(key)) return INT_REPR_LIMIT;
      const name = jsonKey(key);
      if (name instanceof UnserializableValue) {
        // The C encoder names a key's type by its qualified name: `datetime.date`.
        const type = name.pythonType.startsWith('date')
          ? `datetime.${name.pythonType}`
          : name.pythonType;
        return { ok: false, error: `keys must be str, int, float, bool or None, not ${type}` };
      }
      const converted = convert(item, inner);
      if (!converted.ok) return converted;
      entries.push([name, converted.value]);
    }
    return { ok: true, value: pythonDict(entries) };
  };
  return convert(value, false);
}
