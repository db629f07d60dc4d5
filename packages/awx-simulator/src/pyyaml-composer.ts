/**
 * PyYAML's Composer (yaml/composer.py) as `safe_load` runs it (get_single_node): the one
 * document's node graph, an alias being the very node its anchor names, each node's tag resolved
 * (yaml/resolver.py) — or the first ReaderError, ScannerError, ParserError or ComposerError met,
 * as str() words it. Constructing values from the nodes is python-yaml.ts's.
 */
import { type Event, Parser } from './pyyaml-parser.js';
import { type Mark, MarkedSyntaxError, Reader, readerError } from './pyyaml-reader.js';
import { implicitTag, TAG } from './pyyaml-scalars.js';
import { Scanner } from './pyyaml-scanner.js';
import { AwxServerError } from './replies.js';

export interface ScalarNode {
  readonly kind: 'scalar';
  readonly tag: string;
  readonly value: string;
  readonly start: Mark;
}

export interface SequenceNode {
  readonly kind: 'sequence';
  readonly tag: string;
  readonly items: YamlNode[];
  readonly start: Mark;
}

export interface MappingNode {
  readonly kind: 'mapping';
  readonly tag: string;
  readonly pairs: [key: YamlNode, value: YamlNode][];
  readonly start: Mark;
}

export type YamlNode = ScalarNode | SequenceNode | MappingNode;

/**
 * How deep collections may nest before the Composer, which recurses two Python frames a level,
 * meets CPython's recursion limit of 1000 frames; the frames under `safe_load` in an AWX request
 * take some, so a little short of the ~495 levels a bare `safe_load` reaches.
 */
export const MAX_NESTING = 450;

export type Composed = { ok: true; root: YamlNode | undefined } | { ok: false; error: string };

/** Resolver.resolve: a tag left to the resolver (none, or `!`) by the node's kind and text. */
function resolvedTag(event: Event): string {
  if (event.tag !== undefined && event.tag !== '!') return event.tag;
  if (event.kind === 'sequence-start') return `${TAG}seq`;
  if (event.kind === 'mapping-start') return `${TAG}map`;
  return event.implicit === true ? implicitTag(event.value ?? '') : `${TAG}str`;
}

/** A collection being composed, and for a mapping the key still waiting for its value. */
interface Open {
  readonly node: SequenceNode | MappingNode;
  key?: YamlNode | undefined;
}

/** The composer's walk, event by event, where PyYAML's recurses. */
class Composition {
  #anchors = new Map<string, YamlNode>();
  readonly #open: Open[] = [];
  root: YamlNode | undefined;
  #documents = 0;

  take(event: Event): void {
    switch (event.kind) {
      case 'document-start':
        if (this.#documents++ > 0) {
          throw new MarkedSyntaxError(
            'expected a single document in the stream',
            this.root?.start,
            'but found another document',
            event.start,
          );
        }
        return;
      case 'document-end':
        this.#anchors = new Map();
        return;
      case 'alias': {
        const node = this.#anchors.get(event.anchor ?? '');
        if (node === undefined) {
          throw new MarkedSyntaxError(
            undefined,
            undefined,
            `found undefined alias '${event.anchor}'`,
            event.start,
          );
        }
        this.#place(node);
        return;
      }
      case 'scalar':
        this.#place(
          this.#anchored(event, {
            kind: 'scalar',
            tag: resolvedTag(event),
            value: event.value ?? '',
            start: event.start,
          }),
        );
        return;
      case 'sequence-start':
      case 'mapping-start':
        this.#begin(event);
        return;
      case 'sequence-end':
      case 'mapping-end': {
        const closed = this.#open.pop();
        if (closed !== undefined) this.#place(closed.node);
        return;
      }
    }
  }

  #begin(event: Event): void {
    const start = event.start;
    const tag = resolvedTag(event);
    const node: SequenceNode | MappingNode =
      event.kind === 'sequence-start'
        ? { kind: 'sequence', tag, items: [], start }
        : { kind: 'mapping', tag, pairs: [], start };
    // A collection's anchor is known before its entries, which may name it.
    this.#anchored(event, node);
    this.#open.push({ node });
    if (this.#open.length > MAX_NESTING) {
      throw new AwxServerError('maximum recursion depth exceeded while composing the YAML');
    }
  }

  #anchored<T extends YamlNode>(event: Event, node: T): T {
    const anchor = event.anchor;
    if (anchor === undefined) return node;
    const first = this.#anchors.get(anchor);
    if (first !== undefined) {
      throw new MarkedSyntaxError(
        `found duplicate anchor '${anchor}'; first occurrence`,
        first.start,
        'second occurrence',
        event.start,
      );
    }
    this.#anchors.set(anchor, node);
    return node;
  }

  /** A finished node into the collection it belongs to, or as the document's root. */
  #place(node: YamlNode): void {
    const parent = this.#open.at(-1);
    if (parent === undefined) this.root = node;
    else if (parent.node.kind === 'sequence') parent.node.items.push(node);
    else if (parent.key === undefined) parent.key = node;
    else {
      parent.node.pairs.push([parent.key, node]);
      parent.key = undefined;
    }
  }
}

/** `yaml.safe_load`'s composing of the text: its one document's root node, or PyYAML's error. */
export function composeYaml(text: string): Composed {
  const unreadable = readerError(text);
  if (unreadable !== undefined) return { ok: false, error: unreadable };
  const scanner = new Scanner(text);
  const parser = new Parser(scanner);
  const composition = new Composition();
  try {
    for (let event = parser.next(); event !== undefined; event = parser.next()) {
      composition.take(event);
    }
  } catch (error) {
    if (!(error instanceof MarkedSyntaxError)) throw error;
    return { ok: false, error: scanner.reader.errorText(error) };
  }
  return { ok: true, root: composition.root };
}

/** str() of an error PyYAML marks at these places in the text (a ConstructorError). */
export function markedYamlError(
  text: string,
  context: { readonly text: string; readonly at: Mark } | undefined,
  problem: string,
  problemAt: Mark,
): string {
  return new Reader(text).errorText(
    new MarkedSyntaxError(context?.text, context?.at, problem, problemAt),
  );
}
