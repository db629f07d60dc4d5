/**
 * How far a list is followed: as far as AWX itself says it goes. AWX pages every list with
 * DRF's PageNumberPagination (awx/api/pagination.py): `count` on every page, no page longer
 * than the `page_size` asked for (AWX caps that at MAX_PAGE_SIZE, 200 unless configured) and
 * every page but the last as long as the first, so a list has ceil(count / first page's length)
 * pages. Rows created or deleted while the list is read move `count` (a job created meanwhile
 * pushes the newest-first rows down), so it may move by a page. Anything more is no AWX: a
 * broken proxy's or a hostile server's endless list, which would be read, and held, for ever.
 */

/** The fields of a page the bounds are judged on. */
export interface ListPage {
  readonly count: number;
  readonly next: string | null;
  readonly results: readonly unknown[];
}

/** What is wrong with a page: the field and the problem an AwxResponseError names. */
export interface PageProblem {
  readonly field: string;
  readonly problem: string;
}

/**
 * The most pages a list is read to, whatever its `count`: 100,000 rows at 200 a page, far past
 * any list the engine reads (each is filtered by a name, a template or ids).
 */
export const maxListPages = 500;

/** Checks each page of one list, in the order read, against what its first page promised. */
export class PageBounds {
  readonly #asked: number;
  #first: { readonly count: number; readonly length: number } | undefined;
  #pages = 0;
  #rows = 0;

  /** `asked` is the `page_size` the requests ask for. */
  constructor(asked: number) {
    this.#asked = asked;
  }

  /** The problem with the page just read, if AWX could not have sent it; then stop reading. */
  check(page: ListPage): PageProblem | undefined {
    const length = page.results.length;
    this.#pages += 1;
    this.#rows += length;
    if (length > this.#asked) {
      return problem(
        'results',
        `${length} rows, more than the page_size of ${this.#asked} asked for`,
      );
    }
    if (length > page.count)
      return problem('results', `${length} rows, more than count ${page.count}`);
    this.#first ??= { count: page.count, length };
    const first = this.#first;
    if (length > first.length) {
      return problem('results', `${length} rows, more than the ${first.length} of the first page`);
    }
    // A page of rows created or deleted while the list is read; at least one.
    const slack = Math.max(first.length, 1);
    if (Math.abs(page.count - first.count) > slack) {
      return problem(
        'count',
        `${page.count}, moved by more than a page (${slack}) from the first page's ${first.count}`,
      );
    }
    if (this.#rows > first.count + slack) {
      return problem(
        'results',
        `${this.#rows} rows read in all, more than the first page's count ${first.count} and a page (${slack})`,
      );
    }
    if (page.next === null) return undefined;
    if (length === 0) return problem('next', 'names a page after an empty one');
    const needed = Math.ceil(first.count / first.length);
    if (needed > maxListPages) {
      return problem(
        'count',
        `${first.count} rows at ${first.length} a page need ${needed} pages; a list is read to ${maxListPages} at most`,
      );
    }
    const promised = Math.min(Math.ceil((first.count + slack) / first.length), maxListPages);
    if (this.#pages >= promised) {
      return problem(
        'next',
        `names page ${this.#pages + 1} of a list whose count ${first.count}, at ${first.length} a page, fills ${needed}`,
      );
    }
    return undefined;
  }
}

function problem(field: string, text: string): PageProblem {
  return { field, problem: text };
}
