/**
 * PyYAML's `yaml.safe_load`, as far as AWX's `parse_yaml_or_json` needs it for `extra_vars` text
 * that is not JSON. PyYAML reads YAML 1.1, whose plain scalars resolve otherwise than YAML 1.2's
 * (`yes` is true, `010` is 8, `1e5` is text), so the document is composed with every scalar as
 * text and each plain one resolved here with PyYAML's resolver patterns (yaml/resolver.py) and
 * constructors (yaml/constructor.py SafeConstructor).
 *
 * PyYAML constructs a node once (BaseConstructor.constructed_objects), so every alias of it is
 * the same object and loading stays linear; `json.dumps` then writes that object once per
 * alias, which for nested aliases (a "billion laughs") is exponential: AWX would spend its
 * memory and time there. The simulator must stay responsive, so past `MAX_ALIAS_EXPANSION`
 * values written again through aliases it answers as an AWX whose request died of it, 500.
 * A document without aliases costs nothing against that bound, so what AWX survives is
 * answered as AWX answers it.
 */
import { isAlias, isMap, isScalar, isSeq, type Node, parseDocument, type Scalar } from 'yaml';
import { intDigitsError, isRawJson, pythonFloatRepr, pythonTypeName } from './python-json.js';
import { AwxServerError } from './replies.js';

/** A value PyYAML makes that `json.dumps` cannot write, named by its Python type. */
export class UnserializableValue {
  constructor(readonly pythonType: 'date' | 'datetime' | 'bytes' | 'set') {}
}

/** A collection that holds itself through an alias: PyYAML builds it, `json.dumps` refuses it. */
export class CircularReference {}

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
  // Resolver's `<<` and `=`, for which SafeConstructor has no constructor: only a mapping's
  // key is read as either (flatten_mapping).
  if (text === '<<') return `${TAG}merge`;
  if (text === '=') return `${TAG}value`;
  return `${TAG}str`;
}

class ConstructorError extends Error {}

/**
 * How many values `json.dumps` may write again through aliases, and how many key-value pairs
 * SafeConstructor.flatten_mapping may copy into one mapping from its merge keys (each merged
 * mapping's pairs are copied again for every `<<` that names it, so nested merges grow as
 * nested aliases do). A million is far beyond any real `extra_vars`, and quick to refuse.
 */
export const MAX_ALIAS_EXPANSION = 1_000_000;

/** What AWX would die of: MemoryError, or the worker killed, which nothing in it catches. */
export function expansionTooLarge(): AwxServerError {
  return new AwxServerError(
    `extra_vars expand through aliases past ${MAX_ALIAS_EXPANSION} values, which AWX would ` +
      'spend its memory on',
  );
}

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

/** The tag PyYAML gives a scalar: its own, or the implicit one of a plain scalar. */
function scalarTag(node: Scalar): string {
  if (node.tag !== undefined && node.tag !== '!') return node.tag;
  return node.type === 'PLAIN' ? implicitTag(String(node.value)) : `${TAG}str`;
}

function scalarValue(node: Scalar): unknown {
  const tag = scalarTag(node);
  if (!KNOWN_SCALAR_TAGS.includes(tag)) {
    throw new ConstructorError(`could not determine a constructor for the tag '${tag}'`);
  }
  return constructScalar(tag, String(node.value));
}

/** flatten_mapping reads a key tagged `value` (a plain `=`) as text. */
function isValueKey(key: unknown): key is Scalar {
  return isScalar(key) && scalarTag(key) === `${TAG}value`;
}

/** What PyYAML's ConstructorError messages call a node: `scalar`, `sequence` or `mapping`. */
function nodeId(node: unknown): string {
  if (isMap(node)) return 'mapping';
  return isSeq(node) ? 'sequence' : 'scalar';
}

type Pair = readonly [key: unknown, value: unknown];

/**
 * SafeConstructor.flatten_mapping, which rewrites a mapping node's pairs in place: each merge
 * key (`<<`) is deleted as it is met, the mappings it names are flattened first, and their pairs
 * (a list's later mappings before its earlier ones, so that the earlier win) are copied before
 * the node's own. A mapping is flattened once; naming it again copies its flattened pairs, so the
 * pairs copied are counted against MAX_ALIAS_EXPANSION.
 */
class Flattener {
  readonly #pairs = new Map<Node, Pair[]>();
  readonly #resolveNode: (node: unknown) => unknown;
  #copied = 0;

  constructor(resolveNode: (node: unknown) => unknown) {
    this.#resolveNode = resolveNode;
  }

  flatten(node: Node): readonly Pair[] {
    const merge: Pair[] = [];
    let index = 0;
    // Read anew at each step, as flatten_mapping reads `node.value`: a merge that leads back
    // to this node rewrites its pairs meanwhile.
    for (let pairs = this.#of(node); index < pairs.length; pairs = this.#of(node)) {
      const [key, value] = pairs[index] as Pair;
      if (!isScalar(key) || scalarTag(key) !== `${TAG}merge`) {
        index++;
        continue;
      }
      pairs.splice(index, 1);
      const target = this.#resolveNode(value);
      if (isMap(target)) this.#copy(merge, this.flatten(target));
      else if (isSeq(target)) {
        const sources = target.items.map((item) => {
          const source = this.#resolveNode(item);
          if (!isMap(source)) {
            throw new ConstructorError(
              `expected a mapping for merging, but found ${nodeId(source)}`,
            );
          }
          return this.flatten(source);
        });
        for (const source of sources.toReversed()) this.#copy(merge, source);
      } else {
        throw new ConstructorError(
          `expected a mapping or list of mappings for merging, but found ${nodeId(target)}`,
        );
      }
    }
    if (merge.length === 0) return this.#of(node);
    const flattened: Pair[] = [];
    this.#copy(flattened, merge);
    this.#copy(flattened, this.#of(node));
    this.#pairs.set(node, flattened);
    return flattened;
  }

  #of(node: Node): Pair[] {
    let pairs = this.#pairs.get(node);
    if (pairs === undefined) {
      pairs = isMap(node) ? node.items.map((pair): Pair => [pair.key, pair.value]) : [];
      this.#pairs.set(node, pairs);
    }
    return pairs;
  }

  #copy(into: Pair[], pairs: readonly Pair[]): void {
    this.#copied += pairs.length;
    if (this.#copied > MAX_ALIAS_EXPANSION) throw expansionTooLarge();
    for (const pair of pairs) into.push(pair);
  }
}

/**
 * A mapping as SafeConstructor builds it from its flattened pairs: a dict keeps a key's first
 * spelling and its last value; `1`, `1.0` and `true` are one key.
 */
function mappingValue(
  node: Node,
  resolve: (node: unknown) => unknown,
  flattener: Flattener,
): Map<unknown, unknown> {
  const result = new Map<unknown, unknown>();
  const keys = new Map<unknown, unknown>();
  for (const [key, value] of flattener.flatten(node)) {
    const keyValue = isValueKey(key) ? String(key.value) : resolve(key);
    if (
      Array.isArray(keyValue) ||
      keyValue instanceof Map ||
      keyValue instanceof CircularReference
    ) {
      throw new ConstructorError('found unhashable key');
    }
    const identity = keyIdentity(keyValue);
    if (!keys.has(identity)) keys.set(identity, isRawJson(keyValue) ? keyValue.rawJSON : keyValue);
    result.set(keys.get(identity), resolve(value));
  }
  return result;
}

/**
 * `yaml.safe_load(text)`: the document's value, with mappings as `Map`s whose keys are Python's
 * (text, numbers, booleans, None), or PyYAML's error. Each node is constructed once, so its
 * aliases are the same value, as PyYAML's are.
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
  const constructed = new Map<unknown, unknown>();
  const resolveNode = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);
  const flattener = new Flattener(resolveNode);
  const construct = (node: Node): unknown => {
    if (isScalar(node)) return scalarValue(node);
    if (isSeq(node)) {
      const items = node.items.map(resolve);
      return node.tag === `${TAG}set` ? new UnserializableValue('set') : items;
    }
    if (isMap(node)) {
      const map = mappingValue(node, resolve, flattener);
      return node.tag === `${TAG}set` ? new UnserializableValue('set') : map;
    }
    throw new ConstructorError('could not construct a node');
  };
  const resolve = (raw: unknown): unknown => {
    const node = resolveNode(raw);
    if (node === null || node === undefined) return null;
    if (constructed.has(node)) return constructed.get(node);
    if (open.has(node)) return new CircularReference();
    open.add(node);
    try {
      const value = construct(node as Node);
      constructed.set(node, value);
      return value;
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
