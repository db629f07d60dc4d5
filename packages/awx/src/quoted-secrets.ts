/**
 * Whether a text AWX (or a proxy in front of it) sent back quotes a value the request sent as
 * secret. A server writes a value back in more forms than the one sent: JSON-escaped when it
 * echoes a request body (Python's json.dumps also escapes every non-ASCII character), as
 * Python's repr in jsonschema's messages (CredentialInputField and JSONSchemaField in
 * awx/main/fields.py keep them), HTML-escaped in Django's debug page. Whitespace is left out of
 * both sides: an excerpt collapses it and a page may wrap a long value.
 */

const WHITESPACE = /\s+/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: repr writes these as \x escapes.
const CONTROL = /[\u0000-\u001f\u007f]/g;

function squashed(text: string): string {
  return text.replace(WHITESPACE, '');
}

function jsonEscaped(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

function asciiEscaped(text: string): string {
  return text.replace(
    /[^\x20-\x7e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Python's repr of a str between its quotes, with `'` escaped (repr's choice when both occur) or not. */
function reprEscaped(value: string, quote: boolean): string {
  const escaped = value
    .replaceAll('\\', '\\\\')
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r')
    .replaceAll('\t', '\\t')
    .replace(CONTROL, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return quote ? escaped.replaceAll("'", "\\'") : escaped;
}

/** Django's django.utils.html.escape. */
function htmlEscaped(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#x27;');
}

/** A test for texts that quote any of `secrets` in any of the forms above. */
export function secretQuoter(secrets: readonly string[]): (text: string) => boolean {
  const forms = new Set<string>();
  for (const value of secrets) {
    for (const form of [
      value,
      jsonEscaped(value),
      asciiEscaped(jsonEscaped(value)),
      reprEscaped(value, true),
      reprEscaped(value, false),
      htmlEscaped(value),
    ]) {
      const squashedForm = squashed(form);
      if (squashedForm !== '') forms.add(squashedForm);
    }
  }
  if (forms.size === 0) return () => false;
  return (text) => {
    const squashedText = squashed(text);
    for (const form of forms) if (squashedText.includes(form)) return true;
    return false;
  };
}
