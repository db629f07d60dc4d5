import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AwxSimulator, startAwxSimulator } from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

let sim: AwxSimulator;
const get = async (path: string) => {
  const response = await fetch(`${sim.url}${path}`, {
    headers: { Authorization: `Bearer ${sim.token}` },
  });
  return { status: response.status, body: (await response.json()) as Body };
};

beforeAll(async () => {
  sim = await startAwxSimulator();
  for (let i = 0; i < 205; i++) sim.state.addOrganization(`org-${String(i).padStart(3, '0')}`);
});
afterAll(() => sim.stop());

describe('paging', () => {
  it('walks every page through relative next links with sorted query parameters', async () => {
    const first = await get('/api/v2/organizations/?page_size=2&name__startswith=org-00');
    expect(first.body).toMatchObject({
      count: 10,
      previous: null,
      next: '/api/v2/organizations/?name__startswith=org-00&page=2&page_size=2',
    });
    const names: string[] = first.body.results.map((o: { name: string }) => o.name);
    let next: string | null = first.body.next;
    let last = first.body;
    while (next) {
      last = (await get(next)).body;
      names.push(...last.results.map((o: { name: string }) => o.name));
      next = last.next;
    }
    expect(names).toEqual(Array.from({ length: 10 }, (_, i) => `org-00${i}`));
    expect(last.previous).toBe('/api/v2/organizations/?name__startswith=org-00&page=4&page_size=2');
  });

  it('pages 25 by default and caps page_size at 200', async () => {
    expect((await get('/api/v2/organizations/')).body.results).toHaveLength(25);
    const capped = (await get('/api/v2/organizations/?page_size=1000')).body;
    expect(capped.count).toBe(206);
    expect(capped.results).toHaveLength(200);
    expect(capped.next).toBe('/api/v2/organizations/?page=2&page_size=200');
    expect((await get(capped.next)).body.previous).toBe(
      '/api/v2/organizations/?page=1&page_size=200',
    );
    expect((await get('/api/v2/organizations/?page_size=0')).body.results).toHaveLength(25);
  });

  it('reads page_size and page as Python int() does, and fails a list whose links would int() a page_size that is none', async () => {
    expect((await get('/api/v2/organizations/?page_size=1_0')).body.results).toHaveLength(10);
    expect((await get('/api/v2/organizations/?page_size=2&page=1_0')).body.results).toEqual([
      expect.objectContaining({ name: 'org-017' }),
      expect.objectContaining({ name: 'org-018' }),
    ]);
    // int() reads any script's digits and U+0085 around them, not U+FEFF or U+001C.
    expect((await get('/api/v2/organizations/?page_size=%C2%85%D9%A3')).body.results).toHaveLength(
      3,
    );
    expect(
      (await get('/api/v2/organizations/?page_size=2&page=%D9%A1%D9%A0')).body.results,
    ).toEqual([
      expect.objectContaining({ name: 'org-017' }),
      expect.objectContaining({ name: 'org-018' }),
    ]);
    // The page size falls back to 25, but Pagination.cap_page_size runs int() on it for `next`.
    for (const size of ['abc', '', '2.0', '%EF%BB%BF2', '%1C2']) {
      expect(await get(`/api/v2/organizations/?page_size=${size}`)).toEqual({
        status: 500,
        body: { detail: 'A server error has occurred.' },
      });
    }
    // A list of one page has no link to build.
    expect(await get('/api/v2/organizations/?page_size=abc&name=Default')).toMatchObject({
      status: 200,
      body: { count: 1, next: null },
    });
  });

  it('answers 404 Invalid page for a page that does not exist', async () => {
    for (const page of ['99', '0', 'abc']) {
      expect(await get(`/api/v2/organizations/?page=${page}`)).toEqual({
        status: 404,
        body: { detail: 'Invalid page.' },
      });
    }
    expect((await get('/api/v2/organizations/?name=none&page=1')).body).toMatchObject({ count: 0 });
  });

  it("reads page as DRF does: an empty one is the first, and a repeated one's last value counts", async () => {
    const empty = (await get('/api/v2/organizations/?page=&page_size=2')).body;
    expect(empty).toMatchObject({
      previous: null,
      results: [{ name: 'Default' }, { name: 'org-000' }],
    });
    const repeated = (await get('/api/v2/organizations/?page=1&page=3&page_size=2')).body;
    expect(repeated.results.map((o: { name: string }) => o.name)).toEqual(['org-003', 'org-004']);
    expect(repeated.next).toBe('/api/v2/organizations/?page=4&page_size=2');
  });

  it('answers rows alone, one page of them, for count_disabled', async () => {
    expect(await get('/api/v2/organizations/?count_disabled=1&page_size=3')).toEqual({
      status: 200,
      body: { results: expect.any(Array) },
    });
    expect(
      (await get('/api/v2/organizations/?count_disabled&page_size=300')).body.results,
    ).toHaveLength(200);
    expect(await get('/api/v2/organizations/?count_disabled=1&page=2')).toEqual({
      status: 404,
      body: { detail: 'Invalid page.' },
    });
  });

  it('pages me/ as the list view it is', async () => {
    expect((await get('/api/v2/me/')).body).toMatchObject({ count: 1, next: null, previous: null });
    expect(await get('/api/v2/me/?page=2')).toEqual({
      status: 404,
      body: { detail: 'Invalid page.' },
    });
  });
});

describe("a job's events", () => {
  it('answer their first rows alone for limit, not capped at MAX_PAGE_SIZE', async () => {
    const template = sim.state.addJobTemplate({
      name: 'chatty',
      schedule: {
        pendingMs: 0,
        runningMs: 0,
        stdout: Array.from({ length: 250 }, (_, i) => `line ${i}`),
      },
    });
    const launched = await fetch(`${sim.apiUrl}job_templates/${template.id}/launch/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sim.token}` },
    });
    const { job } = (await launched.json()) as { job: number };
    const events = `/api/v2/jobs/${job}/job_events/`;
    await vi.waitFor(async () => expect((await get(events)).body.count).toBe(250), {
      timeout: 10_000,
    });
    const limited = await get(`${events}?limit=220&order_by=counter`);
    expect(Object.keys(limited.body)).toEqual(['results']);
    expect(limited.body.results).toHaveLength(220);
    expect((await get(`${events}?limit=abc`)).body.results).toHaveLength(25);
    // Other lists take no limit: it is no filter either.
    expect((await get('/api/v2/organizations/?limit=2')).body).toMatchObject({ count: 206 });
  });
});
