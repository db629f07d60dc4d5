/**
 * AWX's list envelope `{count, next, previous, results}` (awx/api/pagination.py on top of DRF's
 * PageNumberPagination): 25 a page by default, `page_size` capped at 200 (in the links too), and
 * `next`/`previous` as relative URLs built by DRF's `replace_query_param`, which sorts the query
 * parameters.
 */
import { detail, type Reply } from './replies.js';

const DEFAULT_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 200;

export interface Page<T> {
  readonly count: number;
  readonly next: string | null;
  readonly previous: string | null;
  readonly results: readonly T[];
}

const INTEGER = /^\s*[+-]?\d+\s*$/;

/** DRF's `_positive_int(strict=True, cutoff=max)`: anything else falls back to the default. */
function pageSize(raw: string | null): number {
  if (raw === null || !INTEGER.test(raw)) return DEFAULT_PAGE_SIZE;
  const size = Number.parseInt(raw, 10);
  return size > 0 ? Math.min(size, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
}

/** Django's Paginator: pages from 1, `last` allowed, page 1 of an empty list allowed. */
function pageNumber(raw: string | null, pages: number): number | undefined {
  if (raw === null) return 1;
  if (raw === 'last') return pages;
  const number = INTEGER.test(raw) ? Number.parseInt(raw, 10) : Number.NaN;
  return number >= 1 && number <= pages ? number : undefined;
}

export function paginate<T>(
  rows: readonly T[],
  path: string,
  query: URLSearchParams,
): Page<T> | Reply {
  const size = pageSize(query.get('page_size'));
  const pages = Math.max(1, Math.ceil(rows.length / size));
  const number = pageNumber(query.get('page'), pages);
  if (number === undefined) return detail(404, 'Invalid page.');
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
  const size = query.get('page_size');
  if (size !== null && INTEGER.test(size) && Number.parseInt(size, 10) > MAX_PAGE_SIZE) {
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
