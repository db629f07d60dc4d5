/**
 * Scrubbing what AWX wrote for a job of what the execution's credentials injected, before it is
 * shown: the tail of a failed job's output and AWX's explanation go into the execution's status
 * and Events, which the workflow's author reads, and `logs` gives the output to whoever asks. A
 * task that fails printing an injected variable would otherwise show a Secret's value or the
 * job's Kubernetes API token there. Everything here is pure.
 */
import { lastBytes } from './stdout-reader.js';

/** What each scrubbed value is replaced with. */
export const scrubbedMarker = '[secret withheld]';

/**
 * A Kubernetes service account token is a JWT, whose header is base64url JSON (`eyJ…`). The
 * token itself is never kept, so a job given one has every JWT in its output scrubbed.
 */
const jwt = 'eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+';
/** Longer than any service account token, so one cut at the start of a read is read whole. */
const tokenMarginBytes = 16_384;

export interface OutputScrub {
  /**
   * How many bytes to read before the tail, so that a value the tail's first bytes cut is read
   * whole and scrubbed, rather than left in part.
   */
  readonly marginBytes: number;
  /** What to scrub; undefined when there is nothing to. */
  readonly pattern: RegExp | undefined;
}

/** What AWX wrote for the job is not shown: the values to scrub it of are not known. */
export interface OutputWithheld {
  readonly withheld: string;
}

/**
 * The scrub of `values` (the injected Secret values) and, with `token`, of JWTs. Each value is
 * matched in every form it may print in (see `printedForms`), each also as JSON escapes it
 * (Ansible prints task results as JSON, so a value with a line break or a quote shows escaped),
 * the longest first, in one pass: a marker is never scrubbed again, and a whole value wins over
 * its lines. A very short value (`1`, `true`) is replaced wherever it appears.
 */
export function outputScrub(values: readonly string[], token: boolean): OutputScrub {
  const forms = [
    ...new Set(
      values
        .flatMap(printedForms)
        // Nor is whitespace alone worth withholding: every space would go.
        .filter((form) => form.trim() !== '')
        .flatMap((form) => [form, JSON.stringify(form).slice(1, -1)]),
    ),
  ].sort((a, b) => b.length - a.length);
  const alternatives = [...(token ? [jwt] : []), ...forms.map(escapeRegExp)];
  const longest = Math.max(0, ...forms.map((form) => Buffer.byteLength(form)));
  const marginBytes = Math.max(longest, token ? tokenMarginBytes : 0);
  const pattern = alternatives.length === 0 ? undefined : new RegExp(alternatives.join('|'), 'g');
  return { marginBytes, pattern };
}

/** `text` with each value the scrub matches replaced by its marker. */
export function scrubbedText(text: string, scrub: OutputScrub): string {
  return scrubbedFrom(text, scrub, 0);
}

/**
 * The last `maxBytes` of `read` (read `marginBytes` longer than that), scrubbed. The tail is
 * cut where its last `maxBytes` begin in `read` as read, not in the scrubbed text: a marker
 * shorter than the value it replaces would otherwise pull the cut back into the margin, where
 * the read began partway through a value that nothing matches. A value the cut falls inside
 * is shown as its marker.
 */
export function scrubbedTail(read: string, scrub: OutputScrub, maxBytes: number): string {
  const cut = read.length - lastBytes(Buffer.from(read, 'utf8'), maxBytes).length;
  return lastBytes(Buffer.from(scrubbedFrom(read, scrub, cut), 'utf8'), maxBytes);
}

/** `text` from `cut` on, scrubbed; a value the cut falls inside becomes its marker. */
function scrubbedFrom(text: string, scrub: OutputScrub, cut: number): string {
  if (scrub.pattern === undefined) return text.slice(cut);
  let kept = '';
  let from = cut;
  for (const match of text.matchAll(scrub.pattern)) {
    const end = match.index + match[0].length;
    if (end <= cut) continue;
    kept += text.slice(from, Math.max(from, match.index)) + scrubbedMarker;
    from = end;
  }
  return kept + text.slice(from);
}

/**
 * A value as stored; without the trailing line break a file read into a Secret ends with, which
 * Ansible's command and shell modules strip from what they print; trimmed; and, for a value of
 * several lines (a PEM key), each line, as a task result's `stdout_lines` shows them one by one.
 */
function printedForms(value: string): string[] {
  const lines = value.split('\n').flatMap((line) => [line, line.trim()]);
  return [value, value.replace(/[\r\n]+$/, ''), value.trim(), ...lines];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
