import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('answers 404 Invalid page for a page that does not exist', async () => {
    for (const page of ['99', '0', 'abc']) {
      expect(await get(`/api/v2/organizations/?page=${page}`)).toEqual({
        status: 404,
        body: { detail: 'Invalid page.' },
      });
    }
    expect((await get('/api/v2/organizations/?name=none&page=1')).body).toMatchObject({ count: 0 });
  });
});
