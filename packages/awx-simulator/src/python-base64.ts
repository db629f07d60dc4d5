/**
 * Why Python's `base64.decodebytes` (binascii.a2b_base64, not strict) cannot decode text, as
 * SafeConstructor.construct_yaml_binary meets it: the text must encode as ASCII, and the
 * alphabet's characters in it (all else is skipped) must end a quad, or be cut short by enough
 * `=` padding, from which on the rest is ignored.
 */

const ALPHABET = /[A-Za-z0-9+/]/;

/** Python's repr of a character in a UnicodeEncodeError: `\xe9`, `\u20ac` or `\U0001f600`. */
function escaped(point: string): string {
  const code = point.codePointAt(0) as number;
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

/** `text.encode('ascii')`'s UnicodeEncodeError, naming the first run of other characters. */
export function asciiEncodeError(text: string): string | undefined {
  const points = Array.from(text);
  const start = points.findIndex((point) => (point.codePointAt(0) as number) > 0x7f);
  if (start === -1) return undefined;
  let end = start + 1;
  while (end < points.length && (points[end]?.codePointAt(0) as number) > 0x7f) end++;
  const what =
    end === start + 1
      ? `character '${escaped(points[start] as string)}' in position ${start}`
      : `characters in position ${start}-${end - 1}`;
  return `'ascii' codec can't encode ${what}: ordinal not in range(128)`;
}

/** binascii.a2b_base64's Error for ASCII text, if it cannot decode it. */
export function base64DecodeError(text: string): string | undefined {
  let quadPosition = 0;
  let quads = 0;
  let pads = 0;
  for (const character of text) {
    if (character === '=') {
      pads++;
      if (quadPosition >= 2 && quadPosition + pads >= 4) return undefined;
      continue;
    }
    if (!ALPHABET.test(character)) continue;
    pads = 0;
    quadPosition = (quadPosition + 1) % 4;
    if (quadPosition === 0) quads++;
  }
  if (quadPosition === 0) return undefined;
  if (quadPosition === 1) {
    return (
      'Invalid base64-encoded string: number of data characters ' +
      `(${quads * 4 + 1}) cannot be 1 more than a multiple of 4`
    );
  }
  return 'Incorrect padding';
}
