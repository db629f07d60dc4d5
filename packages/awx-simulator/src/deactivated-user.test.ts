import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwxSimulator, startAwxSimulator } from './index.js';

let sim: AwxSimulator;

const password = 'right password';
const basic = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;

const send = async (authorization: string, path = 'me/') => {
  const response = await fetch(`${sim.apiUrl}${path}`, {
    headers: { Authorization: authorization },
  });
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    body: (await response.json()) as { results?: unknown[] },
  };
};

beforeAll(async () => {
  sim = await startAwxSimulator({ password });
});
afterAll(() => sim.stop());

describe('a deactivated user (is_active false)', () => {
  it('is refused basic auth as for a wrong password (ModelBackend.user_can_authenticate), its token still served (django-oauth-toolkit 1.7.1)', async () => {
    expect((await send(basic)).status).toBe(200);
    expect((await send(`Bearer ${sim.token}`, 'me/?is_active=false')).body.results).toEqual([]);

    sim.deactivateUser();
    expect(await send(basic)).toEqual({
      status: 401,
      challenge: 'Bearer realm=api authorization_url=/api/o/authorize/',
      body: {
        detail: 'Invalid username/password. To establish a login session, visit /api/login/.',
      },
    });
    const byToken = await send(`Bearer ${sim.token}`, 'me/?is_active=false');
    expect(byToken.status).toBe(200);
    expect(byToken.body.results).toMatchObject([{ username: 'admin' }]);
  });
});
