/**
 * Scrubbing what AWX wrote for a job of what the execution's credentials injected, before it is
 * shown: the tail of a failed job's output and AWX's explanation go into the execution's status
 * and Events, which the workflow's author reads, and `logs` gives the output to whoever asks. A
 * task that fails printing an injected variable would otherwise show a Secret's value or the
 * job's Kubernetes API token there. Everything here is pure.
 */
import { printedForms } from './printed-forms.js';
import { lastBytes } from './stdout-reader.js';

/** What each scrubbed stretch of text is replaced with. */
export const scrubbedMarker = '[secret withheld]';

/** Longer than any service account token, so one cut at the start of a read is read whole. */
const tokenMarginBytes = 16_384;

export interface OutputScrub {
  /**
   * How many bytes to read before the tail, so that a value the tail's first bytes cut is read
   * whole and scrubbed, rather than left in part.
   */
  readonly marginBytes: number;
  /** The forms of the values to scrub, by how they begin (see `formIndex`). */
  readonly forms: FormIndex;
  /** Whether every JWT is scrubbed too. */
  readonly token: boolean;
}

/**
 * Forms grouped by the length of their first characters looked up (the form's length, up to
 * `keyLength`), then by those characters, longest form first. A place in a text is looked up
 * once per length, however many forms there are and however long they are, and only forms that
 * begin as the text does there are compared: one pattern of them all would grow with the values
 * (a CA bundle's forms exceed what a JavaScript RegExp may hold). Where many forms begin alike
 * (values sharing a prefix, a value's own forms) each is compared, and a comparison can run the
 * form's whole length (a value of one repeated character against output of it), so a scan is
 * held to a budget of characters compared (`scanBudget`); past it the text is withheld whole.
 */
type FormIndex = ReadonlyArray<{
  readonly length: number;
  readonly byStart: ReadonlyMap<string, readonly string[]>;
}>;

const keyLength = 8;

/** What AWX wrote for the job is not shown: the values to scrub it of are not known. */
export interface OutputWithheld {
  readonly withheld: string;
}

/**
 * How much a scrub is built of at most: the injected values' total size in UTF-8, and the forms
 * they show in. A scrub is built on the event loop at each report of a failure and each `logs`
 * call, at about 4 µs a form (1 MiB of one-line values takes milliseconds; a 1 MiB pretty-printed
 * JSON Secret, 840k forms, 3.5 s); past either bound the texts are withheld instead.
 */
const scrubBounds = { valueBytes: 1 << 20, forms: 200_000, formBytes: 1 << 20 } as const;

/**
 * The characters a scan of `length` characters may compare, on the event loop: a text whose
 * values' forms begin alike at so many places that comparing them would cost more (crafted
 * output against a crafted value, quadratic) is withheld whole instead. Output that shows a
 * value compares about its length once per form that matches there, far below this.
 */
function scanBudget(length: number): number {
  return 16 * length + (1 << 22);
}

const tooLarge: OutputWithheld = { withheld: 'the injected values are too large to scrub' };

/**
 * The scrub of `values` (the injected Secret values) and, with `token`, of JWTs: a Kubernetes
 * service account token is one, and since the token itself is never kept, a job given one has
 * every JWT in what it wrote scrubbed. Each value is matched in every form it may show in (see
 * `printedForms`). A very short value (`1`, `true`) is replaced wherever it appears. Values
 * past `scrubBounds` are not scrubbed: what AWX wrote is withheld.
 */
export function outputScrub(
  values: readonly string[],
  token: boolean,
): OutputScrub | OutputWithheld {
  let bytes = 0;
  for (const value of values) bytes += Buffer.byteLength(value);
  if (bytes > scrubBounds.valueBytes) return tooLarge;
  const unique = new Set<string>();
  let longest = 0;
  for (const value of values) {
    for (const form of printedForms(value)) {
      unique.add(form);
      if (unique.size > scrubBounds.forms) return tooLarge;
      longest = Math.max(longest, Buffer.byteLength(form));
      // The tail is read this much longer than it is shown: a longer form would have each
      // failure report read, and scan, megabytes of output. Checked as each form comes, so
      // the forms after it, longer still, are never built.
      if (longest > scrubBounds.formBytes) return tooLarge;
    }
  }
  const forms = [...unique].sort((a, b) => b.length - a.length);
  const marginBytes = Math.max(longest, token ? tokenMarginBytes : 0);
  return { marginBytes, forms: formIndex(forms), token };
}

/** `forms`, longest first, indexed by how each begins. */
function formIndex(forms: readonly string[]): FormIndex {
  const groups = new Map<number, Map<string, string[]>>();
  for (const form of forms) {
    const length = Math.min(form.length, keyLength);
    const byStart = groups.get(length) ?? new Map<string, string[]>();
    groups.set(length, byStart);
    const start = form.slice(0, length);
    const alike = byStart.get(start) ?? [];
    byStart.set(start, alike);
    alike.push(form);
  }
  return [...groups].map(([length, byStart]) => ({ length, byStart }));
}

/** `text` with each stretch the scrub matches replaced by one marker. */
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

/** `text` from `cut` on, scrubbed; a stretch the cut falls inside becomes its marker. */
function scrubbedFrom(text: string, scrub: OutputScrub, cut: number): string {
  let kept = '';
  let from = cut;
  for (const [start, end] of scrubbedStretches(text, scrub)) {
    if (end <= cut) continue;
    kept += text.slice(from, Math.max(from, start)) + scrubbedMarker;
    from = end;
  }
  return kept + text.slice(from);
}

/**
 * Where `text` shows a value, as [start, end) offsets in order: every occurrence of every form,
 * those that overlap or touch merged into one stretch. A stretch is withheld whole, so where
 * one value's occurrence hides the start of another's, neither shows in part.
 */
function scrubbedStretches(text: string, scrub: OutputScrub): Array<[number, number]> {
  const found = [...occurrences(text, scrub.forms), ...(scrub.token ? jwts(text) : [])];
  found.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [start, end] of found) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/**
 * At each place of `text` where forms begin, the longest of them, in order. Every place is
 * looked at, those inside a match too: a form beginning there may end past it. Past the scan's
 * budget (`scanBudget`, each comparison counted at the most it may cost) the whole text is one
 * occurrence.
 */
function occurrences(text: string, forms: FormIndex): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  let budget = scanBudget(text.length);
  for (let at = 0; at < text.length; at++) {
    let end = at;
    for (const { length, byStart } of forms) {
      const candidates = byStart.get(text.slice(at, at + length));
      if (!candidates) continue;
      for (const candidate of candidates) {
        budget -= Math.min(candidate.length, text.length - at);
        if (budget < 0) return [[0, text.length]];
        if (text.startsWith(candidate, at)) {
          end = Math.max(end, at + candidate.length);
          break;
        }
      }
    }
    if (end > at) found.push([at, end]);
  }
  return found;
}

/** A run of base64url segments joined by dots; nothing in it backtracks. */
const dottedRun = /[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*/g;

/**
 * Where `text` shows a JWT: three base64url segments, the first from a JSON header (`eyJ…`).
 * The header may follow other characters of its segment (`\neyJ…` in a JSON string is read as
 * `neyJ…`), so every segment holding `eyJ` with two after it is marked whole, through the
 * second after it: a segment that only happens to hold `eyJ` (`apiKeyJwt`) and a token after it
 * then make overlapping stretches, merged into one, and no part of the token is left out (a
 * payload holds `eyJ` too, so a segment after the signature goes with it). Read
 * run by run, in one pass: a pattern trying each `eyJ` of a long run without a dot would take
 * time quadratic in the run.
 */
function jwts(text: string): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  for (const run of text.matchAll(dottedRun)) {
    const segments = run[0].split('.');
    const starts: number[] = [];
    let at = run.index;
    for (const segment of segments) {
      starts.push(at);
      at += segment.length + 1;
    }
    for (let i = 0; i + 2 < segments.length; i++) {
      if (!(segments[i] ?? '').includes('eyJ')) continue;
      const last = i + 2;
      found.push([starts[i] ?? 0, (starts[last] ?? 0) + (segments[last] ?? '').length]);
    }
  }
  return found;
}
