/**
 * The ansible engine's AWX client against a strict fake of AWX's list paging, written from
 * DRF's PageNumberPagination and AWX's Pagination (awx/api/pagination.py), not from the
 * simulator: `page_size` a positive integer capped at MAX_PAGE_SIZE (200), `page` validated by
 * Django's Paginator, and a page past the end answered 404 {"detail": "Invalid page."}. The list
 * is a template's jobs, newest first, from which old jobs are deleted while the client pages.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwxClient } from '@roundhouse/awx';
import { afterEach, describe, expect, it } from 'vitest';

const maxPageSize = 200;
const template = 7;

interface FakeJob {
  readonly id: number;
  readonly created: string;
}

/** `count` jobs of the template; the highest id is the newest. */
function jobs(count: number): FakeJob[] {
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    created: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  }));
}

/** DRF's get_page_size: `_positive_int(strict=True, cutoff)`, else the default, 25. */
function pageSize(raw: string | null): number {
  if (raw === null || !/^\s*[+-]?\d+\s*$/.test(raw)) return 25;
  const size = Number.parseInt(raw, 10);
  return size > 0 ? Math.min(size, maxPageSize) : 25;
}

interface Fake {
  readonly url: string;
  readonly served: string[];
  /** Called after each page is answered, with its number: the place to delete rows. */
  afterPage?: ((page: number) => void) | undefined;
  rows: FakeJob[];
}

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function fakeAwx(rows: FakeJob[]): Promise<Fake> {
  const fake: Fake = { url: '', served: [], rows };
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://awx.invalid');
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (url.pathname !== '/api/v2/jobs/' || request.method !== 'GET') {
      answer(404, { detail: 'The requested resource could not be found.' });
      return;
    }
    const q = url.searchParams;
    const ofTemplate = Number(q.get('job_template')) === template;
    const matching = fake.rows
      .filter((job) => ofTemplate && job.created > (q.get('created__gt') ?? ''))
      .sort((a, b) => (a.created < b.created ? 1 : -1));
    const size = pageSize(q.get('page_size'));
    const pages = Math.max(1, Math.ceil(matching.length / size));
    const raw = q.get('page') || '1';
    const number = raw === 'last' ? pages : /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
    fake.served.push(raw);
    if (!(number >= 1 && number <= pages)) {
      answer(404, { detail: 'Invalid page.' });
      return;
    }
    const link = (page: number) => {
      const next = new URLSearchParams(q);
      next.set('page', String(page));
      return `/api/v2/jobs/?${next}`;
    };
    const results = matching.slice((number - 1) * size, number * size).map((job) => ({
      id: job.id,
      status: 'successful',
      job_template: template,
      created: job.created,
      extra_vars: JSON.stringify({ marker: `m-${job.id}` }),
      job_explanation: '',
    }));
    answer(200, {
      count: matching.length,
      next: number < pages ? link(number + 1) : null,
      previous: number > 1 ? link(number - 1) : null,
      results,
    });
    fake.afterPage?.(number);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, { url: `http://127.0.0.1:${port}` });
}

const query = { jobTemplate: template, createdAfter: new Date(Date.UTC(2025, 0, 1)) };

describe('the AWX client paging a list that AWX shrinks meanwhile', () => {
  it("finds a template's oldest job when old jobs are deleted between two pages and the next page is past the end", async () => {
    // 401 jobs fill three pages, the oldest alone on page 3; two other old ones deleted after
    // page 2 leave two pages, so page 3 is 404 and the oldest moved onto page 2.
    const fake = await fakeAwx(jobs(401));
    fake.afterPage = (page) => {
      if (page === 2 && fake.rows.length === 401) {
        fake.rows = fake.rows.filter((job) => job.id !== 2 && job.id !== 3);
      }
    };
    const awx = new AwxClient({ baseUrl: fake.url, token: 't', minRetryDelayMs: 1 });
    try {
      const found = await awx.findJob(query, (job) => job.extra_vars.includes('"m-1"'));
      expect(found?.id).toBe(1);
      expect(fake.served).toEqual(['1', '2', '3', '1', '2']);
    } finally {
      await awx.close();
    }
  });

  it('finds a job that a deletion on a page already read moved onto that page', async () => {
    // Job 201 opens page 2 until job 300, on page 1, is deleted after page 1 was read: then it
    // closes page 1, and page 2 starts at job 200.
    const fake = await fakeAwx(jobs(401));
    fake.afterPage = (page) => {
      if (page === 1 && fake.rows.length === 401) {
        fake.rows = fake.rows.filter((job) => job.id !== 300);
      }
    };
    const awx = new AwxClient({ baseUrl: fake.url, token: 't', minRetryDelayMs: 1 });
    try {
      const found = await awx.findJob(query, (job) => job.extra_vars.includes('"m-201"'));
      expect(found?.id).toBe(201);
      expect(fake.served).toEqual(['1', '2', '1']);
    } finally {
      await awx.close();
    }
  });

  it('still answers no job when the list has none', async () => {
    const fake = await fakeAwx([]);
    const awx = new AwxClient({ baseUrl: fake.url, token: 't' });
    try {
      expect(await awx.findJob(query, () => true)).toBeNull();
      expect(fake.served).toEqual(['1']);
    } finally {
      await awx.close();
    }
  });
});
