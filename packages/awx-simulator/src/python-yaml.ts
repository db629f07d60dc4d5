/**
 * PyYAML's `yaml.safe_load`, as far as AWX's `parse_yaml_or_json` needs it for `extra_vars` text
 * that is not JSON. PyYAML reads YAML 1.1, whose plain scalars resolve otherwise than YAML 1.2's
 * (`yes` is true, `010` is 8, `1e5` is text), so the document is composed with every scalar as
 * text and each plain one resolved here with PyYAML's resolver patterns (yaml/resolver.py) and
 * constructors (yaml/constructor.py SafeConstructor).
 */
import { isAlias, isMap, isScalar, isSeq, type Node, parseDocument, type Scalar } from 'yaml';
import { intDigitsError, isRawJson, pythonFloatRepr, pythonTypeName } from './python-json.js';
import { AwxServerError } from './replies.js';

/** A value PyYAML makes that `json.dumps` cannot write, named by its Python type. */
export class UnserializableValue {
  constructor(readonly pythonType: 'date' | 'datetime' | 'bytes' | 'set') {}
}

/** A collection that holds itself through an alias: PyYAML builds it, `json.dumps` refuses it. */
class CircularReference {}

export type YamlResult = { ok: true; value: unknown } | { ok: false; error: string };

const TAG = 'tag:yaml.org,2002:';

// Node 22+ has JSON.rawJSON; TypeScript's es2023 lib does not declare it.
const json = JSON as unknown as { rawJSON(text: string): unknown };
const rawJson = (text: string): unknown => json.rawJSON(text);

const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const DATETIME =
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?$/;

/** Python's int of a sexagesimal or based literal, exact; a float beyond 2^53 stays raw. */
function constructInt(text: string): unknown {
  let digits = text.replaceAll('_', '');
  let sign = 1n;
  if (digits.startsWith('-') || digits.startsWith('+')) {
    if (digits.startsWith('-')) sign = -1n;
    digits = digits.slice(1);
  }
  let value: bigint;
  if (digits === '0') value = 0n;
  else if (digits.startsWith('0b')) value = BigInt(digits);
  else if (digits.startsWith('0x')) value = BigInt(digits);
  else if (digits.startsWith('0')) value = BigInt(`0o${digits.slice(1)}`);
  else if (digits.includes(':')) {
    value = digits.split(':').reduce((total, part) => total * 60n + BigInt(part), 0n);
  } else {
    // PyYAML's int() of decimal text: a ValueError past Python's digit limit, which neither
    // parse_yaml_or_json nor DRF catches.
    const tooLong = intDigitsError(digits.length);
    if (tooLong !== undefined) throw new AwxServerError(tooLong);
    value = BigInt(digits);
  }
  const signed = sign * value;
  const small = Number(signed);
  return Number.isSafeInteger(small) ? small : rawJson(signed.toString());
}

/** Python's float; `json.dumps` spells one that is not finite NaN or Infinity, so it stays a number. */
function constructFloat(text: string): unknown {
  let digits = text.replaceAll('_', '').toLowerCase();
  let sign = 1;
  if (digits.startsWith('-') || digits.startsWith('+')) {
    if (digits.startsWith('-')) sign = -1;
    digits = digits.slice(1);
  }
  let value: number;
  if (digits === '.inf') value = Number.POSITIVE_INFINITY;
  else if (digits === '.nan') return Number.NaN;
  else if (digits.includes(':')) {
    value = digits.split(':').reduce((total, part) => total * 60 + Number(part), 0);
  } else value = Number(digits);
  value *= sign;
  return Number.isFinite(value) ? rawJson(pythonFloatRepr(value)) : value;
}

function constructScalar(tag: string, text: string): unknown {
  switch (tag) {
    case `${TAG}null`:
      return null;
    case `${TAG}bool`:
      return ['yes', 'true', 'on'].includes(text.toLowerCase());
    case `${TAG}int`:
      return constructInt(text);
    case `${TAG}float`:
      return constructFloat(text);
    case `${TAG}timestamp`:
      return new UnserializableValue(DATE.test(text) ? 'date' : 'datetime');
    case `${TAG}binary`:
      return new UnserializableValue('bytes');
    default:
      return text;
  }
}

/** The tag PyYAML's implicit resolver gives a plain scalar. */
function implicitTag(text: string): string {
  if (BOOL.test(text)) return `${TAG}bool`;
  if (INT.test(text)) return `${TAG}int`;
  if (FLOAT.test(text)) return `${TAG}float`;
  if (NULL.test(text)) return `${TAG}null`;
  if (DATE.test(text) || DATETIME.test(text)) return `${TAG}timestamp`;
  return `${TAG}str`;
}

class ConstructorError extends Error {}

/** What Python's dict compares a key by: its value, booleans and whole floats as integers. */
function keyIdentity(key: unknown): unknown {
  if (typeof key === 'boolean') return key ? 1 : 0;
  if (isRawJson(key)) {
    const value = Number(key.rawJSON);
    return Number.isSafeInteger(value) ? value : key.rawJSON;
  }
  return key;
}

const KNOWN_SCALAR_TAGS = ['null', 'bool', 'int', 'float', 'timestamp', 'binary', 'str'].map(
  (name) => TAG + name,
);

function scalarValue(node: Scalar): unknown {
  const text = String(node.value);
  if (node.tag === undefined || node.tag === '!') {
    return node.type === 'PLAIN' ? constructScalar(implicitTag(text), text) : text;
  }
  if (!KNOWN_SCALAR_TAGS.includes(node.tag)) {
    throw new ConstructorError(`could not determine a constructor for the tag '${node.tag}'`);
  }
  return constructScalar(node.tag, text);
}

/**
 * A mapping as SafeConstructor builds it: merge keys (`<<`) first, each merged mapping's keys
 * before an earlier one's would win, and the mapping's own keys over them all.
 */
function mappingValue(
  node: Node,
  resolve: (node: unknown) => unknown,
  resolveNode: (node: unknown) => unknown,
): Map<unknown, unknown> {
  const result = new Map<unknown, unknown>();
  if (!isMap(node)) return result;
  const merged: [unknown, unknown][] = [];
  const own: [unknown, unknown][] = [];
  for (const pair of node.items) {
    const key = pair.key;
    if (isScalar(key) && key.type === 'PLAIN' && key.source === '<<' && key.tag === undefined) {
      const target = resolveNode(pair.value);
      const sources = isSeq(target) ? target.items.map(resolveNode) : [target];
      if (!sources.every((source) => isMap(source))) {
        throw new ConstructorError('expected a mapping or list of mappings for merging');
      }
      for (const source of sources.toReversed()) {
        merged.push(...mappingValue(source as Node, resolve, resolveNode));
      }
      continue;
    }
    const keyValue = resolve(key);
    if (
      Array.isArray(keyValue) ||
      keyValue instanceof Map ||
      keyValue instanceof CircularReference
    ) {
      throw new ConstructorError('found unhashable key');
    }
    own.push([keyValue, resolve(pair.value)]);
  }
  // A dict keeps a key's first spelling and its last value; `1`, `1.0` and `true` are one key.
  const keys = new Map<unknown, unknown>();
  for (const [key, value] of [...merged, ...own]) {
    const identity = keyIdentity(key);
    if (!keys.has(identity)) keys.set(identity, isRawJson(key) ? key.rawJSON : key);
    result.set(keys.get(identity), value);
  }
  return result;
}

/**
 * `yaml.safe_load(text)`: the document's value, with mappings as `Map`s whose keys are Python's
 * (text, numbers, booleans, None), or PyYAML's error.
 */
export function safeLoad(text: string): YamlResult {
  const doc = parseDocument(text, {
    schema: 'failsafe',
    version: '1.1',
    uniqueKeys: false,
    prettyErrors: false,
  });
  const [error] = doc.errors;
  if (error) return { ok: false, error: error.message };
  const open = new Set<unknown>();
  const resolveNode = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);
  const resolve = (raw: unknown): unknown => {
    const node = resolveNode(raw);
    if (node === null || node === undefined) return null;
    if (open.has(node)) return new CircularReference();
    open.add(node);
    try {
      if (isScalar(node)) return scalarValue(node);
      if (isSeq(node)) {
        const items = node.items.map(resolve);
        return node.tag === `${TAG}set` ? new UnserializableValue('set') : items;
      }
      if (isMap(node)) {
        const map = mappingValue(node, resolve, resolveNode);
        return node.tag === `${TAG}set` ? new UnserializableValue('set') : map;
      }
      throw new ConstructorError('could not construct a node');
    } finally {
      open.delete(node);
    }
  };
  try {
    return { ok: true, value: resolve(doc.contents) };
  } catch (caught) {
    if (caught instanceof ConstructorError) return { ok: false, error: caught.message };
    throw caught;
  }
}

/** Python's `type(value).__name__` for what `safeLoad` makes. */
export function yamlTypeName(value: unknown): string {
  if (value instanceof UnserializableValue) return value.pythonType;
  if (value instanceof Map) return 'dict';
  return pythonTypeName(value);
}

/** How `json.dumps` writes a key: None, booleans and numbers as their JSON text. */
function jsonKey(key: unknown): string | UnserializableValue {
  if (typeof key === 'string' || key instanceof UnserializableValue) return key;
  if (typeof key === 'number') return Number.isFinite(key) ? String(key) : pythonFloatRepr(key);
  return key === null ? 'null' : String(key);
}

/**
 * The value as JSON-compatible data, or the TypeError `json.dumps` raises on it: a date, bytes or
 * a set, or a key of such a type, found first in document order.
 */
export function jsonCompatible(
  value: unknown,
): { ok: true; value: unknown } | { ok: false; error: string } {
  if (value instanceof CircularReference)
    return { ok: false, error: 'Circular reference detected' };
  if (value instanceof UnserializableValue) {
    return { ok: false, error: `Object of type ${value.pythonType} is not JSON serializable` };
  }
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) {
      const converted = jsonCompatible(item);
      if (!converted.ok) return converted;
      items.push(converted.value);
    }
    return { ok: true, value: items };
  }
  if (!(value instanceof Map)) return { ok: true, value };
  const entries: [string, unknown][] = [];
  for (const [key, item] of value) {
    const name = jsonKey(key);
    if (name instanceof UnserializableValue) {
      // The C encoder names a key's type by its qualified name: `datetime.date`.
      const type = name.pythonType.startsWith('date')
        ? `datetime.${name.pythonType}`
        : name.pythonType;
      return { ok: false, error: `keys must be str, int, float, bool or None, not ${type}` };
    }
    const converted = jsonCompatible(item);
    if (!converted.ok) return converted;
    entries.push([name, converted.value]);
  }
  return { ok: true, value: Object.fromEntries(entries) };
}
