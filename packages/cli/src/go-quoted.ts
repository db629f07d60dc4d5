/**
 * The escapes of a quoted string in a jsonpath template, as kubectl reads them with Go's
 * strconv.UnquoteChar: `{"\n"}` prints a line break, `{'\t'}` a tab.
 */
const simpleEscapes: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
};

/** Go's escapes, as kubectl's strconv.UnquoteChar reads them: `\n`, `\t`, `\x41`, `\u00e9`... */
export function unquoteGo(text: string, bad: () => never): string {
  return text.replace(
    /\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.?)/gs,
    (_all, sequence: string) => {
      const simple = simpleEscapes[sequence];
      if (simple !== undefined) return simple;
      const code = /^[0-7]{3}$/.test(sequence)
        ? Number.parseInt(sequence, 8)
        : Number.parseInt(sequence.slice(1), 16);
      if (!/^([xuU]|[0-7])/.test(sequence) || Number.isNaN(code) || code > 0x10ffff) return bad();
      return String.fromCodePoint(code);
    },
  );
}
