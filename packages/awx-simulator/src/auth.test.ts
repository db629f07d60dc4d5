import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwxSimulator, startAwxSimulator } from './index.js';

let sim: AwxSimulator;

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

const send = async (authorization: string, path = 'me/', method = 'GET') => {
  const response = await fetch(`${sim.apiUrl}${path}`, {
    method,
    headers: { Authorization: authorization },
  });
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    body: (await response.json()) as unknown,
  };
};

const refusal = (message: string) => ({
  status: 401,
  challenge: 'Bearer realm=api authorization_url=/api/o/authorize/',
  body: { detail: `${message} To establish a login session, visit /api/login/.` },
});

beforeAll(async () => {
  sim = await startAwxSimulator({ password: 'pa:ss wörd', tokenScope: 'read' });
});
afterAll(() => sim.stop());

describe('HTTP basic auth, which AWX accepts beside tokens', () => {
  it("lets the user in with its username and password, to which the token's scope does not apply", async () => {
    const me = await send(basic('admin:pa:ss wörd'));
    expect(me).toMatchObject({ status: 200, body: { results: [{ username: 'admin' }] } });
    // The Read scope is the token's: the same change is refused to it.
    expect((await send(basic('admin:pa:ss wörd'), 'credentials/', 'POST')).status).toBe(400);
    expect((await send(`Bearer ${sim.token}`, 'credentials/', 'POST')).status).toBe(403);
  });

  it('answers a wrong username or password 401 Invalid username/password, on a public view too', async () => {
    for (const credentials of ['admin:wrong', 'someone:pa:ss wörd', 'admin:']) {
      expect(await send(basic(credentials))).toEqual(refusal('Invalid username/password.'));
    }
    expect(await send(basic('admin:wrong'), '')).toEqual(refusal('Invalid username/password.'));
    // ping/ authenticates no one.
    expect((await send(basic('admin:wrong'), 'ping/')).status).toBe(200);
  });

  it('answers a malformed basic header with the message DRF gives it', async () => {
    expect(await send('Basic')).toEqual(refusal('Invalid basic header. No credentials provided.'));
    expect(await send('Basic a b')).toEqual(
      refusal('Invalid basic header. Credentials string should not contain spaces.'),
    );
    // A no-break space is no whitespace to DRF, which splits the header's bytes: no `Basic`
    // word, so no basic auth, and the request is anonymous.
    const [, encoded] = basic('admin:pa:ss wörd').split(' ');
    expect(await send(`Basic\u00a0${encoded}`)).toEqual(
      refusal('Authentication credentials were not provided.'),
    );
    // Decoded without a colon, and a group of base64 left without its padding.
    for (const encoded of [Buffer.from('no colon').toString('base64'), 'YQ']) {
      expect(await send(`Basic ${encoded}`)).toEqual(
        refusal('Invalid basic header. Credentials not correctly base64 encoded.'),
      );
    }
  });

  it('fails every basic auth attempt of a simulator given no password', async () => {
    const closed = await startAwxSimulator();
    try {
      const response = await fetch(`${closed.apiUrl}me/`, {
        headers: { Authorization: basic('admin:') },
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual(refusal('Invalid username/password.').body);
    } finally {
      await closed.stop();
    }
  });
});

describe('a token AWX no longer holds (revoked, expired, or its user deleted)', () => {
  it('is 401 with the Bearer challenge on launch, job detail and cancel, and nothing is done', async () => {
    const awx = await startAwxSimulator();
    try {
      const template = awx.state.addJobTemplate({ name: 'revoked-token' });
      const { id } = awx.state.launch(template.id);
      const call = async (method: string, path: string) => {
        const response = await fetch(`${awx.apiUrl}${path}`, {
          method,
          headers: { Authorization: `Bearer ${awx.token}`, 'Content-Type': 'application/json' },
          ...(method === 'POST' ? { body: '{}' } : {}),
        });
        return {
          status: response.status,
          challenge: response.headers.get('www-authenticate'),
          body: (await response.json()) as unknown,
        };
      };
      expect((await call('GET', `jobs/${id}/`)).status).toBe(200);
      awx.revokeToken();
      for (const [method, path] of [
        ['POST', `job_templates/${template.id}/launch/`],
        ['GET', `jobs/${id}/`],
        ['POST', `jobs/${id}/cancel/`],
      ] as const) {
        expect(await call(method, path)).toEqual(
          refusal('Authentication credentials were not provided.'),
        );
      }
      expect(awx.state.jobs().map((job) => job.id)).toEqual([id]);
      expect(awx.state.job(id)?.cancelFlag).toBe(false);
    } finally {
      await awx.stop();
    }
  });
});
