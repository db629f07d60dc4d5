/**
 * What PyYAML's Composer refuses that the `yaml` package reads without an error: an alias of
 * an anchor not yet defined (yaml reads it as null) and an anchor defined twice (YAML 1.2 lets a
 * later one win). Composer.compose_node raises a ComposerError for each, before any node is
 * constructed, so it comes first whatever else is wrong later in the document.
 */
import { type Document, isAlias, isNode, visit } from 'yaml';

/** A composer or constructor error's problem at a node and its context at another. */
export interface NodeError {
  readonly problem: string;
  readonly problemNode: unknown;
  readonly context?: { readonly text: string; readonly node: unknown } | undefined;
}

/** The first ComposerError of the document, in document order, if it has one. */
export function composerError(doc: Document): NodeError | undefined {
  const anchors = new Map<string, unknown>();
  let error: NodeError | undefined;
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) {
        if (anchors.has(node.source)) return;
        error = { problem: `found undefined alias '${node.source}'`, problemNode: node };
        return visit.BREAK;
      }
      if (!isNode(node) || node.anchor === undefined) return;
      const first = anchors.get(node.anchor);
      if (first !== undefined) {
        error = {
          context: {
            text: `found duplicate anchor '${node.anchor}'; first occurrence`,
            node: first,
          },
          problem: 'second occurrence',
          problemNode: node,
        };
        return visit.BREAK;
      }
      anchors.set(node.anchor, node);
    },
  });
  return error;
}
