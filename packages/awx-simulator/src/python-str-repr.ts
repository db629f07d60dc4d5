/**
 * Python's `repr()` of a str (Objects/unicodeobject.c unicode_repr), which CPython's messages
 * quote with `%r`: single quotes unless the text holds a single quote and no double one, and
 * what str.isprintable() refuses escaped as `\t`, `\xHH`, `\uHHHH` or `\UHHHHHHHH`.
 */

// str.isprintable() refuses the "Other" and "Separator" categories, but for the ASCII space.
const UNPRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;
const SHORT: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escaped(point: string, quote: string): string {
  if (point === '\\' || point === quote) return `\\${point}`;
  const short = SHORT[point];
  if (short !== undefined) return short;
  const code = point.codePointAt(0) ?? 0;
  if (code === 0x20 || !UNPRINTABLE.test(point)) return point;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

export function pythonStrRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  // Array.from splits by code point, leaving a lone surrogate one point, as Python holds it.
  const body = Array.from(text, (point) => escaped(point, quote)).join('');
  return `${quote}${body}${quote}`;
}

/** `%.200R`, as int() words its ValueError: the repr cut to its first 200 characters. */
export function truncatedRepr(text: string, length: number): string {
  return Array.from(pythonStrRepr(text)).slice(0, length).join('');
}
