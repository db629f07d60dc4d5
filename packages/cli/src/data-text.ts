import { Document, visit } from 'yaml';

/**
 * `-o json` and `-o yaml`: the object as data, every hidden character escaped in the format's
 * own spelling, so a program reading the output gets the same strings and a terminal showing it
 * runs none of them. JSON.stringify and the YAML writer escape the C0 controls (ESC among them)
 * but write DEL, the C1 controls (U+009B is a CSI to a terminal that takes 8-bit controls) and
 * the format characters (bidi overrides, zero-width spaces) raw: those are escaped here too.
 */
export function jsonText(document: unknown): string {
  return `${JSON.stringify(document, null, 2).replace(rawInJson, jsonEscape)}\n`;
}

export function yamlText(document: unknown): string {
  const doc = new Document(document);
  // Only a double-quoted scalar can spell a character by its code; a string holding a hidden
  // character is written as one. A line break alone stays: the writer makes it a block scalar.
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && hiddenInYaml.test(node.value)) {
        node.type = 'QUOTE_DOUBLE';
      }
    },
  });
  return doc.toString().replace(rawInYaml, yamlEscape);
}

/** What JSON.stringify leaves raw; JSON's syntax is ASCII, so each is inside a string. */
const rawInJson = /[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]/gu;

function jsonEscape(char: string): string {
  // An astral character (a tag character) as its UTF-16 surrogate pair: JSON's only spelling.
  return [...Array(char.length).keys()]
    .map((i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`)
    .join('');
}

const hiddenInYaml = /[^\P{Cc}\n\t]|[\p{Cf}\p{Zl}\p{Zp}]/u;
const rawInYaml = new RegExp(hiddenInYaml.source, 'gu');

function yamlEscape(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = code.toString(16);
  if (code < 0x100) return `\\x${hex.padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${hex.padStart(4, '0')}`;
  return `\\U${hex.padStart(8, '0')}`;
}
