/**
 * DRF's SearchFilter as AWX's list views use it: `search` (its last value) split into terms as
 * DRF 3.15 splits them, each of which must appear, case-insensitively, in one of the view's
 * search fields.
 */
import type { Model } from './filters.js';
import { json, type Reply } from './replies.js';

// Django's smart_split: whitespace separates terms, but not inside a quoted phrase.
const SMART_SPLIT = /(?:[^\s'"]*(?:(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')[^\s'"]*)+)|\S+/g;

/** Python's str.strip of these characters from both ends. */
function strip(text: string, chars: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && chars.includes(text.charAt(start))) start += 1;
  while (end > start && chars.includes(text.charAt(end - 1))) end -= 1;
  return text.slice(start, end);
}

/**
 * DRF 3.15's SearchFilter.get_search_terms: the value is a CharField's (no NUL), then
 * search_smart_split: a quoted phrase is one term, unquoted ones are split at commas too.
 */
export function searchTerms(value: string): string[] | Reply {
  if (value.includes('\0')) return json(400, ['Null characters are not allowed.']);
  const terms: string[] = [];
  for (const [bit] of value.matchAll(SMART_SPLIT)) {
    const term = strip(bit, ',');
    const quote = term.charAt(0);
    if ((quote === '"' || quote === "'") && term.endsWith(quote)) {
      // unescape_string_literal
      terms.push(term.slice(1, -1).replaceAll(`\\${quote}`, quote).replaceAll('\\\\', '\\'));
    } else {
      terms.push(
        ...term
          .split(',')
          .filter(Boolean)
          .map((sub) => sub.trim()),
      );
    }
  }
  return terms;
}

/**
 * DRF's SearchFilter over the view's search fields (AWX's get_search_fields: `name` and
 * `description` where the model has them): every term must appear in one of them.
 */
export function searchPredicate<T>(
  model: Model<T>,
  terms: readonly string[],
): ((row: T) => boolean) | undefined {
  const names = model.searchFields ?? ['name', 'description'];
  const fields = names.flatMap((name) => model.fields[name] ?? []);
  if (terms.length === 0 || fields.length === 0) return undefined;
  return (row) =>
    terms.every((term) =>
      fields.some((f) =>
        String(f.value(row) ?? '')
          .toLowerCase()
          .includes(term.toLowerCase()),
      ),
    );
}
