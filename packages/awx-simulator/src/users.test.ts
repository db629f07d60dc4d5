import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwxSimulator, startAwxSimulator } from './index.js';

let sim: AwxSimulator;

const me = async (query: string) => {
  const response = await fetch(`${sim.apiUrl}me/${query}`, {
    headers: { Authorization: `Bearer ${sim.token}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  sim = await startAwxSimulator();
});
afterAll(() => sim.stop());

describe('me/, a list view over the one user the token is', () => {
  it('filters and searches by the fields of a Django User', async () => {
    expect((await me('?username=admin')).body).toMatchObject({ count: 1 });
    expect((await me('?username=someone-else')).body).toMatchObject({ count: 0, results: [] });
    expect((await me('?is_superuser=false')).body).toMatchObject({ count: 0 });
    expect((await me('?search=adm')).body).toMatchObject({ count: 1 });
    expect((await me('?last_login__isnull=true&order_by=-date_joined')).body).toMatchObject({
      count: 1,
    });
  });

  it('refuses what AWX refuses: an unknown field, and the password', async () => {
    expect(await me('?name=admin')).toEqual({
      status: 400,
      body: { detail: "User has no field named 'name'" },
    });
    expect(await me('?password__startswith=pbkdf2')).toEqual({
      status: 403,
      body: { detail: 'Filtering on password is not allowed.' },
    });
  });
});
