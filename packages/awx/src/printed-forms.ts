/**
 * Every form a value the job was given may show in, in the texts AWX keeps for the job: how
 * Ansible and the job's commands print it, and how each text that quotes it escapes it. The
 * scrub matches exactly these, so this is the one place they are listed. Everything is pure.
 */

/**
 * The forms to scrub `value` in: each way it may be printed (`asPrinted`), each as it shows
 * quoted (`quoted`), some more than once. Whitespace alone is no form: every space would go.
 * Given one by one, so that a scrub with too many stops building them.
 */
export function* printedForms(value: string): Generator<string> {
  // Deduplicated before quoting: for a value of one line, every way it prints is the value.
  const printed = new Set(asPrinted(value).filter((form) => form.trim() !== ''));
  for (const form of printed) yield* quoted(form);
}

/**
 * Where Python's `str.splitlines` breaks lines, which fills a task result's `stdout_lines`:
 * `\r\n` as one break, and each of these alone.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: Python breaks lines at these.
const lineBreak = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

/**
 * How long a line of a value must be, trimmed, to be a form of its own. A line as short as `{`
 * or `a` would be replaced wherever it appears, and a text shown with every one of them gone is
 * unreadable; a whole value is a form however short it is.
 */
const minLineLength = 4;

/**
 * A value as stored; without the trailing line break a file read into a Secret ends with, which
 * Ansible's command and shell modules strip from what they print; trimmed; and, for a value of
 * several lines (a PEM key), each line at least `minLineLength` long, as is and trimmed, as a
 * task result's `stdout_lines` and a log show them one by one.
 */
function asPrinted(value: string): string[] {
  // Lines as `stdout_lines` splits them, and as a log splits them (at `\n` alone): a log line
  // may hold several pieces of a value split at rarer breaks, each too short on its own.
  const lines = [...value.split(lineBreak), ...value.split(/\r?\n/)]
    .filter((line) => line.trim().length >= minLineLength)
    .flatMap((line) => [line, line.trim()]);
  return [value, value.replace(/[\r\n]+$/, ''), value.trim(), ...lines];
}

/**
 * A printed form as each text that quotes it escapes it:
 * - the output: Ansible prints task results as JSON without escaping non-ASCII
 *   (`ensure_ascii=False`), and the `to_json` filter and ansible-runner escape it as `\uXXXX`;
 * - the worker's stream, one JSON line per event (ansible-runner's `json.dumps`, `\uXXXX`),
 *   whose `stdout` holds what Ansible printed: a value escaped twice, which job_explanation
 *   quotes when a stream line is not JSON ("Line with invalid JSON data: …");
 * - Python's repr: job_explanation formats that stream line as read, as bytes (`b'…'`), and the
 *   message on a traceback's last line quotes values with `!r` or inside a dict or list. A repr
 *   quotes with `'` unless the whole text holds a `'` and no `"`, so a value inside it shows in
 *   either style, whatever the value holds;
 * - AWX's stdout, which copies the events' `stdout` out of PostgreSQL in COPY's text format
 *   (`copyEscaped`): what Ansible printed, as is or as JSON, shows there with its backslashes
 *   doubled.
 */
function* quoted(form: string): Generator<string> {
  yield form;
  if (!escaped.test(form)) return;
  // Each built only when asked for: a caller that finds one too long stops before the rest,
  // which for a long value of control characters are megabytes each.
  const once = jsonEscaped(form);
  const json = [
    once,
    asciiJsonEscaped(form),
    jsonEscaped(once),
    asciiJsonEscaped(once),
    asciiJsonEscaped(asciiJsonEscaped(form)),
  ];
  yield* json;
  for (const text of [form, ...json]) yield copyEscaped(text);
  for (const text of [form, ...json]) {
    for (const quote of ["'", '"'] as const) {
      yield strRepr(text, quote);
      yield bytesRepr(text, quote);
    }
  }
}

/** What any of the quotings below escapes: nothing else, and each leaves the form as it is. */
const escaped = /[^\x20-\x7e]|['"\\]/;

/** What PostgreSQL's text COPY format (CopyAttributeOutText) writes for each of these. */
const copyEscapes: ReadonlyMap<string, string> = new Map([
  ['\\', '\\\\'],
  ['\b', '\\b'],
  ['\f', '\\f'],
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
  ['\v', '\\v'],
]);

/**
 * As AWX's stdout shows it (UnifiedJob.result_stdout_raw_handle): `copy (select stdout ...) to
 * stdout` in text format escapes the characters above, then AWX turns each escaped `\r\n`, which
 * joins the lines of an event, back into a newline.
 */
export function copyEscaped(text: string): string {
  return text
    .replace(/[\\\b\f\n\r\t\v]/g, (char) => copyEscapes.get(char) ?? char)
    .replaceAll('\\r\\n', '\n');
}

/** Inside a JSON string, as `json.dumps(ensure_ascii=False)` and JavaScript write it. */
function jsonEscaped(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** Inside a JSON string, as `json.dumps` writes it by default: only ASCII, `\uXXXX` (lower-case). */
function asciiJsonEscaped(text: string): string {
  return jsonEscaped(text).replace(
    /[^\x20-\x7e]/g,
    (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * What the repr of a Python `str` (CPython's `unicode_repr`) escapes, besides the quote: a
 * backslash, ASCII's control characters, and what `str.isprintable` says no to (Unicode's
 * "Other" and "Separator" categories, the space excepted).
 */
const strSpecial = /[\\'"\p{C}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/gu;

/** Inside the repr of a Python `str` quoted with `quote`. */
function strRepr(text: string, quote: "'" | '"'): string {
  return text.replace(strSpecial, (char) => {
    const code = char.codePointAt(0) ?? 0;
    if (char === quote || char === '\\') return `\\${char}`;
    if (char === '"' || char === "'") return char;
    const short = shortEscapes.get(char);
    if (short) return short;
    if (code <= 0xff) return hexEscape('x', code, 2);
    if (code <= 0xffff) return hexEscape('u', code, 4);
    return hexEscape('U', code, 8);
  });
}

/** What the repr of Python `bytes` (`bytes_repr`) escapes, as Latin-1 characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: Python escapes control bytes.
const bytesSpecial = /[\\'"\x00-\x1f\x7f-\xff]/g;

/** Inside the repr of Python `bytes` (the text as UTF-8) quoted with `quote`. */
function bytesRepr(text: string, quote: "'" | '"'): string {
  return Buffer.from(text, 'utf8')
    .toString('latin1')
    .replace(bytesSpecial, (char) => {
      if (char === quote || char === '\\') return `\\${char}`;
      if (char === '"' || char === "'") return char;
      return shortEscapes.get(char) ?? hexEscape('x', char.charCodeAt(0), 2);
    });
}

const shortEscapes: ReadonlyMap<string, string> = new Map([
  ['\t', '\\t'],
  ['\n', '\\n'],
  ['\r', '\\r'],
]);

function hexEscape(letter: string, code: number, digits: number): string {
  return `\\${letter}${code.toString(16).padStart(digits, '0')}`;
}
