/**
 * Where PyYAML's composer starts a node (its `start_mark`): at its first property, an anchor or
 * a tag, if it has any, else at its value. The `yaml` package's node ranges start at the value,
 * so each property is given to the node it precedes: the next property or node after it. A
 * property on its own line before a block mapping is the mapping's; on the line of the mapping's
 * first key it is that key's, as YAML reads it, and the mapping then starts with it too (PyYAML
 * puts the mapping's start where the scanner found the first key, at its first property).
 */
import { type Document, isNode, Parser, visit } from 'yaml';

interface Start {
  readonly offset: number;
  readonly end: number;
  readonly node?: unknown;
}

/** The offsets of the anchors and tags in the text, from its concrete syntax tree. */
function propertyTokens(text: string): Start[] {
  const found: Start[] = [];
  const walk = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return;
    const token = value as { type?: unknown; offset?: unknown; source?: unknown };
    if (
      (token.type === 'tag' || token.type === 'anchor') &&
      typeof token.offset === 'number' &&
      typeof token.source === 'string'
    ) {
      found.push({ offset: token.offset, end: token.offset + token.source.length });
    }
    for (const child of Object.values(value)) walk(child);
  };
  for (const token of new Parser().parse(text)) walk(token);
  return found;
}

/** The index of the first of the items, sorted by offset, that starts at or after the offset. */
function firstFrom(items: readonly Start[], offset: number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((items[middle] as Start).offset < offset) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The offset at which PyYAML marks each node of the document. */
export function nodeStarts(text: string, doc: Document): (node: unknown) => number {
  const nodes: Start[] = [];
  visit(doc, {
    Node(_key, node) {
      const offset = node.range?.[0] ?? 0;
      nodes.push({ offset, end: offset, node });
    },
  });
  // Sorted stably: of nodes that start together, the outer one first.
  nodes.sort((a, b) => a.offset - b.offset);
  const properties = propertyTokens(text).sort((a, b) => a.offset - b.offset);
  // The nodes each property starts: its owner and, on a block mapping's first line, the mapping.
  const started: unknown[][] = [];
  const starts = new Map<unknown, number>();
  // From the last property back, so that the one a property precedes already has its nodes.
  for (let index = properties.length - 1; index >= 0; index--) {
    const property = properties[index] as Start;
    const next = properties[index + 1];
    const firstNode = firstFrom(nodes, property.end);
    const first = nodes[firstNode];
    let nodesStarted: unknown[] = [];
    if (next !== undefined && (first === undefined || next.offset < first.offset)) {
      nodesStarted = started[index + 1] ?? [];
    } else if (first !== undefined) {
      const ownLine = /[\n\r]/.test(text.slice(property.end, first.offset));
      let chosen = firstNode;
      while (!ownLine && nodes[chosen + 1]?.offset === first.offset) chosen++;
      // A block mapping starts where its first key does, properties and all.
      nodesStarted = nodes.slice(firstNode, chosen + 1).map((node) => node.node);
    }
    started[index] = nodesStarted;
    for (const node of nodesStarted) starts.set(node, property.offset);
  }
  return (node) => starts.get(node) ?? (isNode(node) ? (node.range?.[0] ?? 0) : 0);
}
