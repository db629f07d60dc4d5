/**
 * Text from the cluster made safe to print. Anyone who may create a WorkflowExecution or a
 * TaskRun writes the fields the CLI shows (most are free text to the CRDs), and whoever runs the CLI
 * on that object, often an admin, would otherwise have their terminal execute what is in them:
 * ESC starts sequences that clear the screen, retitle the window or (OSC 52) write the clipboard,
 * a newline forges a line of its own, and bidirectional overrides or invisible characters make
 * one name look like another.
 *
 * So every control character (C0, DEL, C1: `\p{Cc}`), every format character (`\p{Cf}`: the bidi
 * embeddings, overrides and isolates, zero-width spaces and joiners, the Arabic letter mark, the
 * BOM, soft hyphen, tag characters) and the line and paragraph separators are shown as escapes, in
 * JavaScript's (and C's) spelling: `\n`, `\r`, `\t`, else `\x1b`, `\u202e`, `\u{e0041}`. Unlike
 * kubectl's `^[`, which it uses for ESC alone (and `\r` for CR), this names the exact code point
 * of every character that hides. The price is that emoji joined with U+200D show their parts. A backslash is left as it is: the escapes are for reading,
 * not for decoding back. Everything else, accented letters, CJK, emoji, is printed as is.
 *
 * What is printed as one line (a table cell, a `Field:` value, a progress line) escapes tab and
 * newline too. `keep` lets the others through what their output is made for: a log line keeps
 * its tabs (output aligned with tabs is common, and a tab hides nothing), an error message its
 * newlines (a YAML error's code frame), which `formatError` indents so that no line of a message
 * can pass for the `fix:` line.
 *
 * Container logs are the one output kubectl leaves raw (`kubectl logs`), and to a pipe or a file
 * so does the CLI: there they are data, and nothing executes them. On a terminal they are
 * escaped (`Terminal.logText`): the container's author is the execution's, as untrusted as its
 * fields, and the CLI's own lines (the `[source]` prefix, step progress) run between them.
 */
export function safeText(text: string, keep = ''): string {
  return text.replace(hidden, (char) => (keep.includes(char) ? char : escapeOf(char)));
}

const hidden = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

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
