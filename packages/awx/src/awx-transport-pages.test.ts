import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { AwxResponseError } from './awx-errors.js';
import { awxBase, onceTransport, useNock } from './awx-nock.test-support.js';
import { CredentialSchema } from './schemas.js';

const path = '/api/v2/credentials/';

const credential = (id: number) => ({
  id,
  name: `cred-${id}`,
  organization: 1,
  credential_type: 9,
});

/** `length` credentials from id `from` on. */
const rows = (from: number, length: number) =>
  Array.from({ length }, (_, i) => credential(from + i));

interface Served {
  readonly count: number;
  readonly results: readonly unknown[];
  readonly next?: boolean | undefined;
}

/**
 * A list AWX (or what poses as it) serves page by page: `serve(n)` is page n, which names page
 * n + 1 as next unless it says `next: false`. Answers at most `limit` requests; the pages it
 * served are in `served`.
 */
function list(serve: (page: number) => Served, limit = 1_000) {
  const served: number[] = [];
  nock(awxBase)
    .get(path)
    .query(true)
    .times(limit)
    .reply((request: Request): [number, unknown] => {
      const number = Number(new URL(request.url).searchParams.get('page') ?? '1');
      served.push(number);
      const { count, results, next = true } = serve(number);
      const link = next ? `${path}?page=${number + 1}&page_size=200` : null;
      return [200, { count, next: link, previous: null, results }];
    });
  return served;
}

async function failure(): Promise<AwxResponseError> {
  const error = await onceTransport()
    .list('credentials/', {}, CredentialSchema, {})
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AwxResponseError);
  return error as AwxResponseError;
}

useNock();

describe('AwxTransport lists, bounded by what AWX says of them', () => {
  it('stops an endless list of distinct pages at the pages its count fills, and a page more', async () => {
    const served = list((page) => ({ count: 4, results: rows(2 * page - 1, 2) }));
    const error = await failure();
    expect(error.message).toBe(
      'AWX GET credentials/?page=3&page_size=200 returned an unexpected body: next: names page 4 ' +
        'of a list whose count 4, at 2 a page, fills 2',
    );
    expect(error.reason).toBe('AWXUnexpectedResponse');
    expect(served).toEqual([1, 2, 3]);
  });

  it('fails a list whose count runs away while it is read', async () => {
    const served = list((page) => ({ count: 2 + 2 * page, results: rows(2 * page - 1, 2) }));
    const error = await failure();
    expect(error.message).toBe(
      'AWX GET credentials/?page=3&page_size=200 returned an unexpected body: count: 8, moved by ' +
        "more than a page (2) from the first page's 4",
    );
    expect(served).toEqual([1, 2, 3]);
  });

  it('fails a page longer than the first, and a page with more rows than its count', async () => {
    list((page) => ({ count: 5, results: rows(2 * page - 1, page === 1 ? 2 : 3) }));
    expect((await failure()).message).toBe(
      'AWX GET credentials/?page=2&page_size=200 returned an unexpected body: results: 3 rows, ' +
        'more than the 2 of the first page',
    );
    nock.cleanAll();
    list(() => ({ count: 1, results: rows(1, 2), next: false }));
    expect((await failure()).message).toBe(
      'AWX GET credentials/?page_size=200 returned an unexpected body: results: 2 rows, more ' +
        'than count 1',
    );
  });

  it('fails a page longer than the page_size asked for, whatever its count', async () => {
    list(() => ({ count: 1_000, results: rows(1, 201) }));
    expect((await failure()).message).toBe(
      'AWX GET credentials/?page_size=200 returned an unexpected body: results: 201 rows, more ' +
        'than the page_size of 200 asked for',
    );
  });

  it('fails at once a count past the pages a list is read to, reading no further page', async () => {
    const served = list((page) => ({ count: 200 * 500 + 1, results: rows(200 * page - 199, 200) }));
    expect((await failure()).message).toBe(
      'AWX GET credentials/?page_size=200 returned an unexpected body: count: 100001 rows at 200 ' +
        'a page need 501 pages; a list is read to 500 at most',
    );
    expect(served).toEqual([1]);
  });

  it('fails a page that names a next page after an empty one', async () => {
    const served = list(() => ({ count: 0, results: [] }));
    expect((await failure()).message).toBe(
      'AWX GET credentials/?page_size=200 returned an unexpected body: next: names a page after ' +
        'an empty one',
    );
    expect(served).toEqual([1]);
  });

  it('fails a page without count, which AWX sends on every page', async () => {
    nock(awxBase)
      .get(path)
      .query(true)
      .reply(200, { next: null, previous: null, results: rows(1, 1) });
    expect((await failure()).field).toBe('count');
  });

  it('reads to the end a list that grows, or shrinks, by a page while it is read', async () => {
    // Newest first: each job created meanwhile pushes a row already read onto the next page.
    list((page) => ({ count: 5 + page, results: rows(page, 2), next: page < 3 }));
    const grown = await onceTransport().list('credentials/', {}, CredentialSchema, {});
    expect(grown.map((c) => c.id)).toEqual([1, 2, 2, 3, 3, 4]);
    nock.cleanAll();
    const served = list((page) => ({
      count: 7 - page,
      results: rows(2 * page - 1, page < 3 ? 2 : 1),
      next: page < 3,
    }));
    // Read again from page 1 while the count falls, twice; the third read takes what it finds.
    const shrunk = await onceTransport().list('credentials/', {}, CredentialSchema, {});
    expect(shrunk.map((c) => c.id)).toEqual([1, 2, 3, 4, 5]);
    expect(served).toEqual([1, 2, 1, 2, 1, 2, 3]);
  });
});

describe('AwxTransport lists that shrink while they are read', () => {
  /** AWX's answer to a page past the end (DRF's PageNumberPagination). */
  const invalidPage: [number, unknown] = [404, { detail: 'Invalid page.' }];

  /**
   * Serves the ids of `lists[0]`, then of the next list after each first page it serves (the
   * rows deleted meanwhile), and 404 for a page past the end of the list it holds.
   */
  function shrinking(lists: readonly (readonly number[])[]) {
    const served: string[] = [];
    let held = 0;
    nock(awxBase)
      .get(path)
      .query(true)
      .times(100)
      .reply((request: Request): [number, unknown] => {
        const number = Number(new URL(request.url).searchParams.get('page') ?? '1');
        const ids = lists[held] ?? [];
        served.push(`${held}:${number}`);
        if (number === 1) held = Math.min(held + 1, lists.length - 1);
        const pages = Math.max(1, Math.ceil(ids.length / 2));
        if (number > pages) return invalidPage;
        const results = ids.slice(2 * number - 2, 2 * number).map(credential);
        const next = number < pages ? `${path}?page=${number + 1}&page_size=200` : null;
        return [200, { count: ids.length, next, previous: null, results }];
      });
    return served;
  }

  it('reads again from the first page a list whose next page AWX no longer has', async () => {
    // Credential 2 is deleted between the reads of pages 1 and 2: credential 3 moves onto page 1,
    // and page 2 is past the end.
    const served = shrinking([
      [1, 2, 3],
      [1, 3],
    ]);
    const read = await onceTransport().list('credentials/', {}, CredentialSchema, {});
    expect(read.map((c) => c.id)).toEqual([1, 3]);
    expect(served).toEqual(['0:1', '1:2', '1:1']);
  });

  it('reads again from the first page a list that counts fewer rows on a later page', async () => {
    // Credential 1 is deleted after page 1: credential 3 moves onto page 1, which was read.
    const served = shrinking([
      [1, 2, 3, 4, 5],
      [2, 3, 4, 5],
    ]);
    const read = await onceTransport().list('credentials/', {}, CredentialSchema, {});
    expect(read.map((c) => c.id)).toEqual([2, 3, 4, 5]);
    expect(served).toEqual(['0:1', '1:2', '1:1', '1:2']);
  });

  it('fails, as an unexpected answer and not as a missing list, one that shrinks at every read', async () => {
    // Each read from page 1 finds a list of two pages whose second is gone by the time it is asked.
    let reads = 0;
    nock(awxBase)
      .get(path)
      .query(true)
      .times(100)
      .reply((request: Request): [number, unknown] => {
        if (new URL(request.url).searchParams.get('page') !== null) return invalidPage;
        reads += 1;
        const next = `${path}?page=2&page_size=200`;
        return [200, { count: 3, next, previous: null, results: rows(1, 2) }];
      });
    const error = await failure();
    expect(error.message).toBe(
      'AWX GET credentials/?page=2&page_size=200 returned an unexpected body: next: named a page ' +
        'AWX then answered 404 for, in each of 3 reads of the list',
    );
    expect(reads).toBe(3);
  });

  it('gives a caller reading page by page the rows of the new read', async () => {
    shrinking([
      [1, 2, 3],
      [1, 3],
    ]);
    const pages: number[][] = [];
    for await (const rows of onceTransport().pages('credentials/', {}, CredentialSchema, {})) {
      pages.push(rows.map((c) => c.id));
    }
    expect(pages).toEqual([
      [1, 2],
      [1, 3],
    ]);
  });

  it('still answers a list whose first page is 404 as missing', async () => {
    nock(awxBase).get(path).query(true).reply(404, { detail: 'Not found.' });
    const error = await onceTransport()
      .list('credentials/', {}, CredentialSchema, {})
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 404, reason: 'AWXNotFound' });
  });
});
