/**
 * Text an execution's author wrote, made safe to quote in an error, a status message or an
 * Event. Parameter names, `engineConfig` keys, a workflow id and a step's termination message
 * are free text to the CRD, and what quotes them is read in a terminal (`kubectl describe`,
 * `kubectl get events`, a log tail) by someone else, often an admin: ESC starts sequences that
 * clear the screen, retitle the window or (OSC 52) write the clipboard, a newline forges a line
 * of its own, and bidirectional overrides or invisible characters make one name look like
 * another.
 *
 * So every control character (C0, DEL, C1: `\p{Cc}`), every format character (`\p{Cf}`: bidi
 * embeddings, overrides and isolates, zero-width characters, the BOM, tag characters) and the
 * line and paragraph separators are written as escapes, as the CLI writes them: `\n`, `\r`,
 * `\t`, else `\x1b`, `\u202e`, `\u{e0041}`. So is a lone surrogate, which is no character at all:
 * the API server's JSON decoder would store U+FFFD for it, and a status compared with what was
 * written would never match. `keep` lets through what a message is made of
 * (the lines of an output tail). Everything else, accented letters, CJK, emoji, stays as is.
 */
export function printableText(text: string, keep = ''): string {
  return text.replace(hidden, (char) => (keep.includes(char) ? char : escapeOf(char)));
}

const hidden = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

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
