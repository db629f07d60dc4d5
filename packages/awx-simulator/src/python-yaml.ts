/**
 * PyYAML's `yaml.safe_load`, as far as AWX's `parse_yaml_or_json` needs it for `extra_vars` text
 * that is not JSON. PyYAML reads YAML 1.1, whose plain scalars resolve otherwise than YAML 1.2's
 * (`yes` is true, `010` is 8, `1e5` is text): the document is composed by the port of PyYAML's
 * scanner, parser and composer (pyyaml-composer.ts), its nodes tagged by PyYAML's resolver, and
 * constructed here as yaml/constructor.py's SafeConstructor constructs them.
 *
 * PyYAML constructs a node once (BaseConstructor.constructed_objects), so every alias of it is
 * the same object and loading stays linear; `json.dumps` then writes that object once per
 * alias, which for nested aliases (a "billion laughs") is exponential: AWX would spend its
 * memory and time there. The simulator must stay responsive, so past `MAX_ALIAS_EXPANSION`
 * values written again through aliases it answers as an AWX whose request died of it, 500.
 * A document without aliases costs nothing against that bound, so what AWX survives is
 * answered as AWX answers it.
 */
import { isRawJson, pythonTypeName } from './python-json.js';
import { pythonStrRepr } from './python-str-repr.js';
import {
  composeYaml,
  type MappingNode,
  markedYamlError,
  type ScalarNode,
  type YamlNode,
} from './pyyaml-composer.js';
import {
  constructScalar,
  SCALAR_TAGS,
  ScalarRefused,
  TAG,
  TimestampUnmatched,
  UnserializableValue,
} from './pyyaml-scalars.js';
import { AwxServerError } from './replies.js';

export { UnserializableValue } from './pyyaml-scalars.js';

export type YamlResult = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * PyYAML's ConstructorError: its problem at a node and, for one found while constructing a
 * collection, that context at the collection; safeLoad words it with their marks.
 */
class ConstructorError extends Error {
  constructor(
    readonly problem: string,
    readonly problemNode: YamlNode,
    readonly context?: { readonly text: string; readonly node: YamlNode } | undefined,
  ) {
    super(problem);
  }
}

const mappingContext = (node: YamlNode) => ({ text: 'while constructing a mapping', node });

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

/** flatten_mapping reads a key tagged `value` (a plain `=`) as text. */
function isValueKey(key: YamlNode): key is ScalarNode {
  return key.kind === 'scalar' && key.tag === `${TAG}value`;
}

/** What PyYAML's ConstructorError messages call a node: its `id`. */
function nodeId(node: YamlNode): string {
  return node.kind;
}

type Pair = readonly [key: YamlNode, value: YamlNode];

/**
 * SafeConstructor.flatten_mapping, which rewrites a mapping node's pairs in place: each merge
 * key (`<<`) is deleted as it is met, the mappings it names are flattened first, and their pairs
 * (a list's later mappings before its earlier ones, so that the earlier win) are copied before
 * the node's own. A mapping is flattened once; naming it again copies its flattened pairs, so the
 * pairs copied are counted against MAX_ALIAS_EXPANSION.
 */
class Flattener {
  readonly #pairs = new Map<YamlNode, Pair[]>();
  #copied = 0;

  flatten(node: MappingNode): readonly Pair[] {
    const merge: Pair[] = [];
    let index = 0;
    // Read anew at each step, as flatten_mapping reads `node.value`: a merge that leads back
    // to this node rewrites its pairs meanwhile.
    for (let pairs = this.#of(node); index < pairs.length; pairs = this.#of(node)) {
      const [key, value] = pairs[index] as Pair;
      if (key.kind !== 'scalar' || key.tag !== `${TAG}merge`) {
        index++;
        continue;
      }
      pairs.splice(index, 1);
      if (value.kind === 'mapping') this.#copy(merge, this.flatten(value));
      else if (value.kind === 'sequence') {
        const sources = value.items.map((source) => {
          if (source.kind !== 'mapping') {
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
          `expected a mapping or list of mappings for merging, but found ${nodeId(value)}`,
          value,
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

  #of(node: MappingNode): Pair[] {
    let pairs = this.#pairs.get(node);
    if (pairs === undefined) {
      pairs = [...node.pairs];
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
  node: YamlNode,
  into: Map<unknown, unknown>,
  construct: (node: YamlNode) => unknown,
  flattener: Flattener,
): void {
  if (node.kind !== 'mapping') {
    throw new ConstructorError(`expected a mapping node, but found ${nodeId(node)}`, node);
  }
  const keys = new Map<unknown, unknown>();
  for (const [key, value] of flattener.flatten(node)) {
    const keyValue = isValueKey(key) ? key.value : construct(key);
    if (
      Array.isArray(keyValue) ||
      keyValue instanceof Map ||
      (keyValue instanceof UnserializableValue && keyValue.pythonType === 'set')
    ) {
      throw new ConstructorError('found unhashable key', key, mappingContext(node));
    }
    const identity = keyIdentity(keyValue);
    if (!keys.has(identity)) keys.set(identity, keyValue);
    into.set(keys.get(identity), construct(value));
  }
}

/**
 * construct_yaml_omap and construct_yaml_pairs: a sequence of one-pair mappings, made a list of
 * (key, value) tuples, which `json.dumps` writes as lists.
 */
function pairsValue(
  node: YamlNode,
  what: string,
  into: unknown[],
  construct: (node: YamlNode) => unknown,
): void {
  const context = { text: `while constructing ${what}`, node };
  if (node.kind !== 'sequence') {
    throw new ConstructorError(`expected a sequence, but found ${nodeId(node)}`, node, context);
  }
  for (const entry of node.items) {
    if (entry.kind !== 'mapping') {
      throw new ConstructorError(
        `expected a mapping of length 1, but found ${nodeId(entry)}`,
        entry,
        context,
      );
    }
    const [pair] = entry.pairs;
    if (pair === undefined || entry.pairs.length !== 1) {
      throw new ConstructorError(
        `expected a single mapping item, but found ${entry.pairs.length} items`,
        entry,
        context,
      );
    }
    into.push([construct(pair[0]), construct(pair[1])]);
  }
}

/**
 * A node's value as SafeConstructor.construct_object makes it, by the constructor its tag
 * chooses: a scalar's at once; a collection's empty at first (its constructor is a generator
 * that yields it), and `fill`, the rest of that generator, which construct_document runs later.
 */
function constructNode(
  node: YamlNode,
  construct: (node: YamlNode) => unknown,
  flattener: Flattener,
): { readonly value: unknown; readonly fill?: (() => void) | undefined } {
  const tag = node.tag;
  if (SCALAR_TAGS.includes(tag)) {
    if (node.kind !== 'scalar') {
      throw new ConstructorError(`expected a scalar node, but found ${nodeId(node)}`, node);
    }
    try {
      return { value: constructScalar(tag, node.value) };
    } catch (refused) {
      if (refused instanceof ScalarRefused) throw new ConstructorError(refused.message, node);
      throw refused;
    }
  }
  switch (tag) {
    case `${TAG}seq`: {
      const value: unknown[] = [];
      const fill = () => {
        if (node.kind !== 'sequence') {
          throw new ConstructorError(`expected a sequence node, but found ${nodeId(node)}`, node);
        }
        for (const item of node.items) value.push(construct(item));
      };
      return { value, fill };
    }
    case `${TAG}map`: {
      const value = new Map<unknown, unknown>();
      return { value, fill: () => mappingValue(node, value, construct, flattener) };
    }
    case `${TAG}set`: {
      const fill = () => mappingValue(node, new Map(), construct, flattener);
      return { value: new UnserializableValue('set'), fill };
    }
    case `${TAG}omap`:
    case `${TAG}pairs`: {
      const value: unknown[] = [];
      const what = tag === `${TAG}omap` ? 'an ordered map' : 'pairs';
      return { value, fill: () => pairsValue(node, what, value, construct) };
    }
    default:
      throw new ConstructorError(
        `could not determine a constructor for the tag ${pythonStrRepr(tag)}`,
        node,
      );
  }
}

/**
 * `yaml.safe_load(text)`: the document's value, with mappings as `Map`s whose keys are Python's
 * (text, numbers, booleans, None), or PyYAML's error. Each node is constructed once, so its
 * aliases are the same value, as PyYAML's are, and a collection may hold itself. Collections are
 * filled in the order construct_document runs their generators: each after the values of the
 * collection that holds it, so of two errors the one PyYAML meets first is the one told.
 */
export function safeLoad(text: string): YamlResult {
  const composed = composeYaml(text);
  if (!composed.ok) return composed;
  const constructed = new Map<YamlNode, unknown>();
  const pending: (() => void)[] = [];
  const flattener = new Flattener();
  const construct = (node: YamlNode): unknown => {
    if (constructed.has(node)) return constructed.get(node);
    const { value, fill } = constructNode(node, construct, flattener);
    constructed.set(node, value);
    if (fill !== undefined) pending.push(fill);
    return value;
  };
  try {
    const value = composed.root === undefined ? null : construct(composed.root);
    for (let next = 0; next < pending.length; next++) pending[next]?.();
    return { ok: true, value };
  } catch (caught) {
    if (caught instanceof TimestampUnmatched) return { ok: false, error: caught.message };
    if (!(caught instanceof ConstructorError)) throw caught;
    const { context } = caught;
    const at = context === undefined ? undefined : { text: context.text, at: context.node.start };
    return {
      ok: false,
      error: markedYamlError(text, at, caught.problem, caught.problemNode.start),
    };
  }
}

/** Python's `type(value).__name__` for what `safeLoad` makes. */
export function yamlTypeName(value: unknown): string {
  if (value instanceof UnserializableValue) return value.pythonType;
  if (value instanceof Map) return 'dict';
  return pythonTypeName(value);
}
