/**
 * Text someone else wrote, made safe to quote where a person reads it: an execution's author
 * writes parameter names, `engineConfig` keys, a workflow id and a step's termination message
 * (free text to the CRD), which errors, status messages and Events quote, and every field the
 * CLI shows. Whoever reads them in a terminal (`kubectl describe`, `kubectl get events`, a log
 * tail, the CLI) is often an admin: ESC starts sequences that clear the screen, retitle the
 * window or (OSC 52) write the clipboard, a newline forges a line of its own, and bidirectional
 * overrides or invisible characters make one name look like another.
 *
 * So every control character (C0, DEL, C1: `\p{Cc}`), every format character (`\p{Cf}`: bidi
 * embeddings, overrides and isolates, zero-width spaces and joiners, the Arabic letter mark, the
 * BOM, soft hyphen, tag characters) and the line and paragraph separators are written as
 * escapes, in JavaScript's (and C's) spelling: `\n`, `\r`, `\t`, else `\x1b`, `\u202e`,
 * `\u{e0041}`. Unlike kubectl's `^[`, which it uses for ESC alone, this names the exact code
 * point of every character that hides; the price is that emoji joined with U+200D show their
 * parts. So is a lone surrogate, which is no character at all: the API server's JSON decoder
 * would store U+FFFD for it, and a status compared with what was written would never match. A
 * backslash is left as it is: the escapes are for reading, not for decoding back. `keep` lets
 * through what an output is made of (the lines of an output tail, a log line's tabs).
 * Everything else, accented letters, CJK, emoji, stays as is.
 */
export function printableText(text: string, keep = ''): string {
  return text.replace(hidden, (char) => (keep.includes(char) ? char : escapeOf(char)));
}

const hidden = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

/**
 * A line of JSON with every character `printableText` escapes written as a JSON `\uXXXX`
 * escape, so the line decodes to the same values and shows none of them raw. JSON.stringify
 * escapes C0 controls and lone surrogates only: DEL, C1 controls (U+009B starts a sequence as
 * ESC [ does), bidi overrides and the line separators went out as they were, into a log line an
 * admin tails in a terminal. The escapes are outside JSON's structure, which is ASCII.
 */
export function printableJson(json: string): string {
  return json.replace(hidden, (char) => {
    // JSON.stringify escaped every C0 control inside a string; what is left ends the line.
    if (char < ' ') return char;
    let escaped = '';
    for (let i = 0; i < char.length; i++) {
      escaped += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
    }
    return escaped;
  });
}

const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOf(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = code.toString(16);
  return (
    named[char] ??
    (code < 0x100
      ? `\\x${hex.padStart(2, '0')}`
      : code < 0x10000
        ? `\\u${hex.padStart(4, '0')}`
        : `\\u{${hex}}`)
  );
}
