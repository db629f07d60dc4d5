/**
 * AWX's list envelope `{count, next, previous, results}` (awx/api/pagination.py on top of DRF's
 * PageNumberPagination): 25 a page by default, `page_size` capped at 200 (in the links too), and
 * `next`/`previous` as relative URLs built by DRF's `replace_query_param`, which sorts the query
 * parameters. `count_disabled` (any value) leaves `results` alone, of a list of one page
 * (DisabledPaginator); on the events of a job, `limit` gives its first rows alone, uncapped
 * (UnifiedJobEventPagination's LimitPagination).
 */
import { pythonIntOrUndefined } from './python-int-text.js';
import { detail, type Reply, serverError } from './replies.js';

const DEFAULT_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 200;

export interface CountedPage<T> {
  readonly count: number;
  readonly next: string | null;
  readonly previous: string | null;
  readonly results: readonly T[];
}

/** The answer of `count_disabled` and of the events' `limit`: the rows, nothing else. */
export interface RowsOnly<T> {
  readonly results: readonly T[];
}

export type Page<T> = CountedPage<T> | RowsOnly<T>;

/** Which of AWX's pagination classes the view has. */
export type Pagination = 'default' | 'events';

/** A Django QueryDict's value of a key given more than once is its last. */
function lastValue(query: URLSearchParams, key: string): string | null {
  return query.getAll(key).at(-1) ?? null;
}

/** DRF's `_positive_int(strict=True, cutoff)`: anything else falls back to the default. */
function positive(raw: string | null, cutoff: number): number {
  const size = raw === null ? undefined : pythonIntOrUndefined(raw);
  return size !== undefined && size > 0n ? Math.min(Number(size), cutoff) : DEFAULT_PAGE_SIZE;
}

/**
 * DRF's `query_params.get('page') or 1` (a Django QueryDict gives a key's last value) checked by
 * Django's Paginator: pages from 1, `last` allowed, page 1 of an empty list allowed.
 */
function pageNumber(query: URLSearchParams, pages: number): number | undefined {
  const raw = lastValue(query, 'page') || '1';
  if (raw === 'last') return pages;
  const number = pythonIntOrUndefined(raw);
  return number !== undefined && number >= 1n && number <= BigInt(pages)
    ? Number(number)
    : undefined;
}

export function paginate<T>(
  rows: readonly T[],
  path: string,
  query: URLSearchParams,
  pagination: Pagination = 'default',
): Page<T> | Reply {
  if (pagination === 'events' && query.has('limit')) {
    return {
      results: rows.slice(0, positive(lastValue(query, 'limit'), Number.POSITIVE_INFINITY)),
    };
  }
  const size = positive(lastValue(query, 'page_size'), MAX_PAGE_SIZE);
  if (query.has('count_disabled')) {
    // DisabledPaginator: one page, whatever the list holds.
    if (pageNumber(query, 1) === undefined) return detail(404, 'Invalid page.');
    return { results: rows.slice(0, size) };
  }
  const pages = Math.max(1, Math.ceil(rows.length / size));
  const number = pageNumber(query, pages);
  if (number === undefined) return detail(404, 'Invalid page.');
  // Pagination.cap_page_size runs int() on `page_size` for each link, so one that is no
  // integer (which the page size ignored) fails the list with a server error once it has one.
  const sizeText = lastValue(query, 'page_size');
  if (
    (number < pages || number > 1) &&
    sizeText !== null &&
    pythonIntOrUndefined(sizeText) === undefined
  ) {
    return serverError();
  }
  return {
    count: rows.length,
    next: number < pages ? withPage(path, query, number + 1) : null,
    previous: number > 1 ? withPage(path, query, number - 1) : null,
    results: rows.slice((number - 1) * size, number * size),
  };
}

export function isPage<T>(value: Page<T> | Reply): value is Page<T> {
  return 'results' in value;
}

/** AWX's Pagination.cap_page_size: a link asks for no more than the page it was given. */
function withPage(path: string, query: URLSearchParams, page: number): string {
  const grouped = new Map<string, string[]>();
  for (const [key, value] of query) grouped.set(key, [...(grouped.get(key) ?? []), value]);
  grouped.set('page', [String(page)]);
  const size = lastValue(query, 'page_size');
  if (size !== null && (pythonIntOrUndefined(size) ?? 0n) > BigInt(MAX_PAGE_SIZE)) {
    grouped.set('page_size', [String(MAX_PAGE_SIZE)]);
  }
  const pairs = [...grouped.keys()]
    .sort()
    .flatMap((key) =>
      (grouped.get(key) ?? []).map((value) => `${quotePlus(key)}=${quotePlus(value)}`),
    );
  return `${path}?${pairs.join('&')}`;
}

/** Python's `urllib.parse.quote_plus`. */
function quotePlus(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}
