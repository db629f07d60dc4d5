/**
 * Whether a text AWX (or a proxy in front of it) sent back quotes a value the request sent as
 * secret. A server writes a value back in more forms than the one sent: JSON-escaped when it
 * echoes a request body (Python's json.dumps also escapes every non-ASCII character), as
 * Python's repr in jsonschema's messages (CredentialInputField and JSONSchemaField in
 * awx/main/fields.py keep them), one line of a PEM key at a time: the forms `printedForms`
 * lists for a job's output. And HTML-escaped, in Django's debug page. Whitespace is left out of
 * both sides: an excerpt collapses it and a page may wrap a long value.
 */
import { printedForms } from './printed-forms.js';

const WHITESPACE = /\s+/g;

/**
 * How many forms a test is built of at most: a credential's inputs have a few dozen. Past it
 * every text counts as quoting one, and is withheld.
 */
const maxForms = 10_000;

function squashed(text: string): string {
  return text.replace(WHITESPACE, '');
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
  const add = (form: string) => {
    const squashedForm = squashed(form);
    if (squashedForm !== '') forms.add(squashedForm);
    return forms.size <= maxForms;
  };
  for (const value of secrets) {
    // Taken one by one, so that a value with too many forms stops their building.
    for (const form of printedForms(value)) if (!add(form)) return () => true;
    if (!add(htmlEscaped(value))) return () => true;
  }
  if (forms.size === 0) return () => false;
  return (text) => {
    const squashedText = squashed(text);
    for (const form of forms) if (squashedText.includes(form)) return true;
    return false;
  };
}
