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
import { isRawJson, pythonTypeName } from './python-json.js';
import { markedErrorText } from './pyyaml-marks.js';
import { pyyamlSyntaxError } from './pyyaml-parser.js';
import {
  constructScalar,
  implicitTag,
  SCALAR_TAGS,
  ScalarRefused,
  TAG,
  TimestampUnmatched,
  UnserializableValue,
} from './pyyaml-scalars.js';
import { AwxServerError } from './replies.js';
import { nodeStarts } from './yaml-node-starts.js';

export { UnserializableValue } from './pyyaml-scalars.js';

/** A collection that holds itself through an alias: PyYAML builds it, `json.dumps` refuses it. */
export class CircularReference {}

export type YamlResult = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * PyYAML's ConstructorError: its problem at a node and, for one found while constructing a
 * collection, that context at the collection; safeLoad words it with their marks.
 */
class ConstructorError extends Error {
  constructor(
    readonly problem: string,
    readonly problemNode: unknown,
    readonly context?: { readonly text: string; readonly node: unknown } | undefined,
  ) {
    super(problem);
  }
}

const mappingContext = (node: unknown) => ({ text: 'while constructing a mapping', node });

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

/** The tag PyYAML gives a scalar: its own, or the implicit one of a plain scalar. */
function scalarTag(node: Scalar): string {
  if (node.tag !== undefined && node.tag !== '!') return node.tag;
  return node.type === 'PLAIN' ? implicitTag(String(node.value)) : `${TAG}str`;
}

/** The tag PyYAML gives a node: a collection's own, or its kind's. */
function nodeTag(node: Node): string {
  if (isScalar(node)) return scalarTag(node);
  if (node.tag !== undefined && node.tag !== '!') return node.tag;
  return isSeq(node) ? `${TAG}seq` : `${TAG}map`;
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
              source,
              mappingContext(node),
            );
          }
          return this.flatten(source);
        });
        for (const source of sources.toReversed()) this.#copy(merge, source);
      } else {
        throw new ConstructorError(
          `expected a mapping or list of mappings for merging, but found ${nodeId(target)}`,
          target,
          mappingContext(node),
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
      keyValue instanceof CircularReference ||
      (keyValue instanceof UnserializableValue && keyValue.pythonType === 'set')
    ) {
      throw new ConstructorError('found unhashable key', key, mappingContext(node));
    }
    const identity = keyIdentity(keyValue);
    if (!keys.has(identity)) keys.set(identity, isRawJson(keyValue) ? keyValue.rawJSON : keyValue);
    result.set(keys.get(identity), resolve(value));
  }
  return result;
}

/**
 * construct_yaml_omap and construct_yaml_pairs: a sequence of one-pair mappings, made a list of
 * (key, value) tuples, which `json.dumps` writes as lists.
 */
function pairsValue(node: Node, what: string, loader: Loader): unknown[][] {
  const context = { text: `while constructing ${what}`, node };
  if (!isSeq(node)) {
    throw new ConstructorError(`expected a sequence, but found ${nodeId(node)}`, node, context);
  }
  return node.items.map((item) => {
    const entry = loader.resolveNode(item);
    if (!isMap(entry)) {
      throw new ConstructorError(
        `expected a mapping of length 1, but found ${nodeId(entry)}`,
        entry,
        context,
      );
    }
    const [pair] = entry.items;
    if (pair === undefined || entry.items.length !== 1) {
      throw new ConstructorError(
        `expected a single mapping item, but found ${entry.items.length} items`,
        entry,
        context,
      );
    }
    return [loader.resolve(pair.key), loader.resolve(pair.value)];
  });
}

/** What constructing a node needs of the document's loading. */
interface Loader {
  /** The node an alias names, or the node itself. */
  readonly resolveNode: (node: unknown) => unknown;
  /** The value of a node or alias, constructed once. */
  readonly resolve: (node: unknown) => unknown;
  readonly flattener: Flattener;
}

/** SafeConstructor.construct_object's choice of constructor by the node's tag, and its value. */
function constructNode(node: Node, loader: Loader): unknown {
  const { resolve, flattener } = loader;
  const tag = nodeTag(node);
  const expected = (kind: string) =>
    new ConstructorError(`expected a ${kind} node, but found ${nodeId(node)}`, node);
  if (SCALAR_TAGS.includes(tag)) {
    if (!isScalar(node)) throw expected('scalar');
    try {
      return constructScalar(tag, String(node.value ?? ''));
    } catch (refused) {
      if (refused instanceof ScalarRefused) throw new ConstructorError(refused.message, node);
      throw refused;
    }
  }
  switch (tag) {
    case `${TAG}seq`:
      if (!isSeq(node)) throw expected('sequence');
      return node.items.map(resolve);
    case `${TAG}map`:
    case `${TAG}set`: {
      if (!isMap(node)) throw expected('mapping');
      const map = mappingValue(node, resolve, flattener);
      return tag === `${TAG}set` ? new UnserializableValue('set') : map;
    }
    case `${TAG}omap`:
      return pairsValue(node, 'an ordered map', loader);
    case `${TAG}pairs`:
      return pairsValue(node, 'pairs', loader);
    default:
      throw new ConstructorError(`could not determine a constructor for the tag '${tag}'`, node);
  }
}

/**
 * `yaml.safe_load(text)`: the document's value, with mappings as `Map`s whose keys are Python's
 * (text, numbers, booleans, None), or PyYAML's error. Each node is constructed once, so its
 * aliases are the same value, as PyYAML's are.
 */
export function safeLoad(text: string): YamlResult {
  // The reader, scanner, parser and composer have their say before anything is constructed.
  const syntaxError = pyyamlSyntaxError(text);
  if (syntaxError !== undefined) return { ok: false, error: syntaxError };
  const doc = parseDocument(text, {
    schema: 'failsafe',
    version: '1.1',
    uniqueKeys: false,
    prettyErrors: false,
  });
  const [error] = doc.errors;
  if (error) return { ok: false, error: error.message };
  const marked = (refused: ConstructorError): YamlResult => {
    const startOf = nodeStarts(text, doc);
    const words = markedErrorText(text, {
      context: refused.context?.text,
      contextAt: refused.context === undefined ? undefined : startOf(refused.context.node),
      problem: refused.problem,
      problemAt: startOf(refused.problemNode),
    });
    return { ok: false, error: words };
  };
  const open = new Set<unknown>();
  const constructed = new Map<unknown, unknown>();
  const resolveNode = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);
  const flattener = new Flattener(resolveNode);
  const resolve = (raw: unknown): unknown => {
    const node = resolveNode(raw);
    if (node === null || node === undefined) return null;
    if (constructed.has(node)) return constructed.get(node);
    if (open.has(node)) return new CircularReference();
    open.add(node);
    try {
      const value = constructNode(node as Node, { resolveNode, resolve, flattener });
      constructed.set(node, value);
      return value;
    } finally {
      open.delete(node);
    }
  };
  try {
    return { ok: true, value: resolve(doc.contents) };
  } catch (caught) {
    if (caught instanceof TimestampUnmatched) return { ok: false, error: caught.message };
    if (!(caught instanceof ConstructorError)) throw caught;
    return marked(caught);
  }
}

/** Python's `type(value).__name__` for what `safeLoad` makes. */
export function yamlTypeName(value: unknown): string {
  if (value instanceof UnserializableValue) return value.pythonType;
  if (value instanceof Map) return 'dict';
  return pythonTypeName(value);
}
