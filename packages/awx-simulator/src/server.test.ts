import { Agent, get, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwxSimulator, startAwxSimulator } from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

let sim: AwxSimulator;
const call = (path: string, init: RequestInit = {}) =>
  fetch(`${sim.url}${path}`, {
    redirect: 'manual',
    ...init,
    headers: { Authorization: `Bearer ${sim.token}`, ...init.headers },
  });

beforeAll(async () => {
  sim = await startAwxSimulator({ token: 'secret-token' });
});
afterAll(() => sim.stop());

describe('HTTP surface', () => {
  it('answers 401 with a Bearer challenge without the token or with a wrong one', async () => {
    for (const headers of [{}, { Authorization: 'Bearer wrong' }, { Authorization: 'Token x' }]) {
      const response = await fetch(`${sim.apiUrl}job_templates/`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer realm=api authorization_url=/api/o/authorize/',
      );
      expect(await response.json()).toEqual({
        detail:
          'Authentication credentials were not provided. To establish a login session, visit /api/login/.',
      });
    }
    expect((await call('/api/v2/me/')).status).toBe(200);
  });

  it('refuses every change to a token of Read scope, a System Administrator too, before the method check', async () => {
    const readOnly = await startAwxSimulator({ tokenScope: 'read' });
    try {
      const send = (path: string, method: string, body?: unknown) =>
        fetch(`${readOnly.apiUrl}${path}`, {
          method,
          headers: {
            Authorization: `Bearer ${readOnly.token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      const template = readOnly.state.addJobTemplate({ name: 'read-only' });
      expect((await send('job_templates/', 'GET')).status).toBe(200);
      expect((await send(`job_templates/${template.id}/launch/`, 'GET')).status).toBe(200);
      expect((await send('me/', 'OPTIONS')).status).toBe(200);
      for (const [path, method] of [
        [`job_templates/${template.id}/launch/`, 'POST'],
        ['credentials/', 'POST'],
        ['credentials/1/', 'DELETE'],
        ['jobs/1/cancel/', 'POST'],
        ['jobs/', 'DELETE'],
      ] as const) {
        const refused = await send(path, method, method === 'POST' ? {} : undefined);
        expect(refused.status, `${method} ${path}`).toBe(403);
        expect(await refused.json()).toEqual({
          detail: 'You do not have permission to perform this action.',
        });
      }
      expect(readOnly.state.jobs()).toEqual([]);
      // Unauthenticated, the scope is no one's: 401 as ever.
      expect((await fetch(`${readOnly.apiUrl}credentials/`, { method: 'POST' })).status).toBe(401);
    } finally {
      await readOnly.stop();
    }
  });

  it('serves ping/ and the API root without authentication, as AWX does', async () => {
    expect((await fetch(`${sim.apiUrl}ping/`)).status).toBe(200);
    expect(await (await fetch(sim.apiUrl)).json()).toMatchObject({ jobs: '/api/v2/jobs/' });
  });

  it('records the bytes of each body it answered, none for a reset', async () => {
    const body = Buffer.from(await (await call('/api/v2/me/')).arrayBuffer());
    expect(sim.requests.at(-1)).toMatchObject({ path: '/api/v2/me/', bytes: body.length });
    expect(body.length).toBeGreaterThan(0);
    sim.faults.resetNext(1);
    await expect(call('/api/v2/me/')).rejects.toThrow();
    expect(sim.requests.at(-1)).toMatchObject({ status: null, bytes: 0 });
  });

  it('redirects a path without its trailing slash with 301, before authentication', async () => {
    const response = await fetch(`${sim.apiUrl}jobs?status=running`, { redirect: 'manual' });
    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe('/api/v2/jobs/?status=running');
    const post = await call('/api/v2/job_templates/1/launch', { method: 'POST' });
    expect(post.status).toBe(301);
  });

  it('answers 404 for paths that are not API routes, including the other prefix', async () => {
    for (const path of ['/api/v2/nope/', '/api/controller/v2/jobs/', '/api/v2/jobs/abc/', '/']) {
      const response = await call(path);
      expect(response.status, path).toBe(404);
      expect(await response.json()).toEqual({
        detail: 'The requested resource could not be found.',
      });
    }
  });

  it("answers a missing object's 404 with Django's get_object_or_404 message, as DRF 3.15 passes it on", async () => {
    const missing = {
      '/api/v2/jobs/999/': 'Job',
      '/api/v2/jobs/999/cancel/': 'Job',
      '/api/v2/jobs/999/job_events/': 'Job',
      '/api/v2/job_templates/999/': 'JobTemplate',
      '/api/v2/job_templates/999/launch/': 'JobTemplate',
      '/api/v2/job_templates/999/credentials/': 'JobTemplate',
      '/api/v2/job_templates/999/survey_spec/': 'JobTemplate',
      '/api/v2/credentials/999/': 'Credential',
      '/api/v2/credential_types/999/': 'CredentialType',
      '/api/v2/organizations/999/': 'Organization',
      '/api/v2/workflow_jobs/999/': 'WorkflowJob',
    };
    for (const [path, model] of Object.entries(missing)) {
      const response = await call(path);
      expect(response.status, path).toBe(404);
      expect(await response.json(), path).toEqual({
        detail: `No ${model} matches the given query.`,
      });
    }
    const launch = await call('/api/v2/job_templates/999/launch/', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(await launch.json()).toEqual({ detail: 'No JobTemplate matches the given query.' });
  });

  it("names the node and the view's time on a view's answers, as AWX's APIView does", async () => {
    for (const response of [
      await call('/api/v2/jobs/'),
      await fetch(`${sim.url}/api/v2/credentials/`),
      await call('/api/v2/job_templates/999/'),
    ]) {
      // settings.CLUSTER_HOST_ID, which ping/ shows as the active node.
      expect(response.headers.get('x-api-node')).toBe('awx-simulator');
      expect(response.headers.get('x-api-time')).toMatch(/^\d+\.\d{3}s$/);
    }
    // URL resolution's 404 is not a view's.
    expect((await call('/api/v2/nope/')).headers.get('x-api-node')).toBeNull();
  });

  it("names the product on a view's answers, and its version (ping/'s) only to an authenticated user, as AWX's APIView does", async () => {
    const product = (response: Response) => [
      response.status,
      response.headers.get('x-api-product-name'),
      response.headers.get('x-api-product-version'),
    ];
    const pinged = await call('/api/v2/ping/');
    const { version } = (await pinged.json()) as Body;
    expect(version).toBe('24.6.1');
    expect(product(await call('/api/v2/jobs/'))).toEqual([200, 'AWX', version]);
    expect(product(await call('/api/v2/job_templates/999/'))).toEqual([404, 'AWX', version]);
    expect(product(await call('/api/v2/jobs/', { method: 'DELETE' }))).toEqual([
      405,
      'AWX',
      version,
    ]);
    // ping/ authenticates no one; nor does a request whose body the authentication cannot read.
    expect(product(pinged)).toEqual([200, 'AWX', null]);
    expect(product(await fetch(`${sim.apiUrl}credentials/`))).toEqual([401, 'AWX', null]);
    const unreadable = await call('/api/v2/jobs/', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(product(unreadable)).toEqual([415, 'AWX', null]);
    // Django's answers, which no view's finalize_response saw: URL resolution's 404, the slash
    // redirect and handle_500.
    for (const [path, status] of [
      ['/api/v2/nope/', 404],
      ['/api/v2/jobs', 301],
      ['/api/v2/job_templates/?order_by=name,', 500],
    ] as const) {
      expect(product(await call(path))).toEqual([status, null, null]);
    }
  });

  it('answers a body the authentication could not read in place of a failed content negotiation, as finalize_response does', async () => {
    const unreadable = { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' };
    const contentType =
      'You did not use correct Content-Type in your HTTP request. If you are using our REST API, the Content-Type must be application/json';
    for (const response of [
      await call('/api/v2/jobs/?format=bogus', unreadable),
      await call('/api/v2/jobs/', {
        ...unreadable,
        headers: { ...unreadable.headers, accept: 'image/png' },
      }),
    ]) {
      expect([response.status, await response.json()]).toEqual([415, { detail: contentType }]);
    }
    const notJson = await call('/api/v2/jobs/?format=bogus', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[]',
    });
    expect([notJson.status, await notJson.json()]).toEqual([
      400,
      { detail: 'JSON parse error - not a JSON object' },
    ]);
  });

  it("answers a view that succeeds for anyone, the API root, whatever body it could not read: finalize_response puts the body's error only in place of an error", async () => {
    const unreadable = { headers: { 'content-type': 'application/json' }, body: '{bad' };
    // fetch sends no body with a GET; DRF parses one all the same.
    const rootStatus = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        `${sim.apiUrl}`,
        { method: 'GET', headers: { 'Content-Type': 'application/json', 'Content-Length': '4' } },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      request.on('error', reject);
      request.end('{bad');
    });
    expect(rootStatus).toBe(200);
    const refused = await call('/api/v2/', { method: 'POST', ...unreadable });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      detail: expect.stringContaining('JSON parse error'),
    });
  });

  it('answers 405 with Allow for a method the view does not take', async () => {
    const response = await call('/api/v2/jobs/', { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(await response.json()).toEqual({ detail: 'Method "DELETE" not allowed.' });
  });

  it("lists every view's methods in Allow, DRF's order, on every answer of the view", async () => {
    const survey = await call('/api/v2/job_templates/999/survey_spec/');
    expect(survey.status).toBe(404);
    expect(survey.headers.get('allow')).toBe('GET, POST, DELETE, HEAD, OPTIONS');
    const anonymous = await fetch(`${sim.url}/api/v2/credentials/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('allow')).toBe('GET, POST, HEAD, OPTIONS');
    // Not a view's answer: URL resolution's 404 has none.
    expect((await call('/api/v2/nope/')).headers.get('allow')).toBeNull();
  });

  it('answers OPTIONS with metadata once authenticated', async () => {
    expect((await fetch(`${sim.url}/api/v2/jobs/`, { method: 'OPTIONS' })).status).toBe(401);
    const options = await call('/api/v2/jobs/', { method: 'OPTIONS' });
    expect(options.status).toBe(200);
    expect(await options.json()).toMatchObject({ parses: ['application/json'] });
  });

  it('refuses a body without a JSON Content-Type, or one that is not a JSON object', async () => {
    const unsupported = {
      status: 415,
      body: {
        detail:
          'You did not use correct Content-Type in your HTTP request. If you are using our REST API, the Content-Type must be application/json',
      },
    };
    const post = async (body: string, headers: Record<string, string> = {}) => {
      const response = await call('/api/v2/credentials/', { method: 'POST', body, headers });
      return { status: response.status, body: (await response.json()) as Body };
    };
    expect(await post('{}', { 'Content-Type': 'text/plain' })).toEqual(unsupported);
    // Without a Content-Type DRF finds no parser either; fetch would send text/plain.
    const bare = await new Promise<{ status: number; body: Body }>((resolve, reject) => {
      const request = httpRequest(
        `${sim.apiUrl}credentials/`,
        { method: 'POST', headers: { Authorization: `Bearer ${sim.token}` } },
        (response) => {
          let text = '';
          response.on('data', (chunk) => {
            text += chunk;
          });
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }),
          );
        },
      );
      request.on('error', reject);
      request.end('{}');
    });
    expect(bare).toEqual(unsupported);
    const json = { 'Content-Type': 'application/json' };
    const broken = await post('{"name":', json);
    expect(broken.status).toBe(400);
    expect(broken.body.detail).toMatch(
      /^JSON parse error - .*\nPossible cause: trailing comma\.$/s,
    );
    for (const body of ['[]', '1', '"name"', 'true']) {
      expect(await post(body, json), body).toEqual({
        status: 400,
        body: { detail: 'JSON parse error - not a JSON object' },
      });
    }
    // JSON null reaches the serializer as None.
    expect(await post('null', json)).toEqual({
      status: 400,
      body: { __all__: ['No data provided'] },
    });
  });

  it("refuses a body that is not UTF-8 with the message of Python's strict decoding", async () => {
    const post = async (bytes: number[]) => {
      const response = await call('/api/v2/credentials/', {
        method: 'POST',
        body: new Uint8Array(bytes),
        headers: { 'Content-Type': 'application/json' },
      });
      return { status: response.status, body: (await response.json()) as Body };
    };
    const refusal = (why: string) => ({
      status: 400,
      body: {
        detail: `JSON parse error - 'utf-8' codec can't decode ${why}\nPossible cause: trailing comma.`,
      },
    });
    const text = (value: string) => [...Buffer.from(value)];
    // {"name":"caf\xe9"}: Latin-1, not UTF-8.
    expect(await post([...text('{"name":"caf'), 0xe9, ...text('"}')])).toEqual(
      refusal('byte 0xe9 in position 12: invalid continuation byte'),
    );
    expect(await post([0xff, ...text('{}')])).toEqual(
      refusal('byte 0xff in position 0: invalid start byte'),
    );
    expect(await post([...text('{"name":"'), 0xe2, 0x82])).toEqual(
      refusal('bytes in position 9-10: unexpected end of data'),
    );
  });

  it('refuses a body it cannot parse before authenticating and before finding the object', async () => {
    const launch = (template: number, body: string, headers: Record<string, string>) =>
      fetch(`${sim.apiUrl}job_templates/${template}/launch/`, { method: 'POST', body, headers });
    const json = { 'Content-Type': 'application/json' };
    const authorized = { ...json, Authorization: `Bearer ${sim.token}` };
    expect((await launch(999, '{"extra_vars":', authorized)).status).toBe(400);
    expect((await launch(999, '{"extra_vars":', json)).status).toBe(400);
    expect((await launch(999, '[]', json)).status).toBe(400);
    expect((await launch(999, '{}', json)).status).toBe(401);
    expect((await launch(999, '{}', authorized)).status).toBe(404);
    const deleted = await call('/api/v2/credentials/999/', {
      method: 'DELETE',
      body: '{',
      headers: json,
    });
    expect(deleted.status).toBe(400);
    const notAllowed = await call('/api/v2/jobs/', { method: 'POST', body: '{', headers: json });
    expect(notAllowed.status).toBe(400);
  });

  it('fails on a launch body of JSON null, as JobTemplateLaunch cannot copy it', async () => {
    const template = sim.state.addJobTemplate({ name: 'null body' });
    const response = await call(`/api/v2/job_templates/${template.id}/launch/`, {
      method: 'POST',
      body: 'null',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ detail: 'A server error has occurred.' });
  });

  it('only listens on loopback addresses', async () => {
    await expect(startAwxSimulator({ host: '0.0.0.0' as '127.0.0.1' })).rejects.toThrow();
  });
});

describe('AAP 2.5+ prefix', () => {
  it('serves the controller API under /api/controller/v2/ and nothing under /api/v2/', async () => {
    const aap = await startAwxSimulator({ apiPrefix: '/api/controller/v2/' });
    try {
      const headers = { Authorization: `Bearer ${aap.token}` };
      const response = await fetch(`${aap.apiUrl}organizations/?name=Default`, { headers });
      const orgs = (await response.json()) as Body;
      expect(orgs.results[0].url).toBe('/api/controller/v2/organizations/1/');
      expect((await fetch(`${aap.url}/api/v2/organizations/`, { headers })).status).toBe(404);
    } finally {
      await aap.stop();
    }
  });
});

describe('fault injection', () => {
  it('fails the next N matching requests with a status and Retry-After, then recovers', async () => {
    sim.faults.failNext(2, 503, { retryAfterSeconds: 7, pathPrefix: '/api/v2/organizations/' });
    expect((await call('/api/v2/me/')).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const response = await call('/api/v2/organizations/');
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('7');
    }
    expect((await call('/api/v2/organizations/')).status).toBe(200);
  });

  it('matches faults by method', async () => {
    sim.faults.failNext(1, 429, { method: 'post' });
    expect((await call('/api/v2/organizations/')).status).toBe(200);
    const response = await call('/api/v2/credentials/', { method: 'POST' });
    expect(response.status).toBe(429);
    sim.faults.clear();
  });

  it('resets connections without any response', async () => {
    sim.faults.resetNext(1);
    await expect(call('/api/v2/me/')).rejects.toThrow();
    expect(sim.requests.at(-1)).toMatchObject({
      path: '/api/v2/me/',
      status: null,
      fault: 'reset',
    });
    expect((await call('/api/v2/me/')).status).toBe(200);
  });

  it('can reset after the API acted, so a launch happened that the client never heard of', async () => {
    const template = sim.state.addJobTemplate({ name: 'reset-after' });
    sim.faults.resetNext(1, { method: 'POST', when: 'after' });
    await expect(
      call(`/api/v2/job_templates/${template.id}/launch/`, { method: 'POST' }),
    ).rejects.toThrow();
    expect(sim.state.jobs().filter((j) => j.jobTemplate === template.id)).toHaveLength(1);
  });

  it('defers a launch behind a gateway timeout and commits it when told, as AWX finishing late', async () => {
    const template = sim.state.addJobTemplate({ name: 'committed-late' });
    const launched = () => sim.state.jobs().filter((j) => j.jobTemplate === template.id);
    sim.faults.deferNext(1, { method: 'POST', pathPrefix: '/api/v2/job_templates/' });
    const response = await call(`/api/v2/job_templates/${template.id}/launch/`, {
      method: 'POST',
    });
    expect(response.status).toBe(504);
    expect(sim.requests.at(-1)).toMatchObject({ status: 504, fault: 'defer' });
    expect(launched()).toEqual([]);
    expect(sim.faults.commitDeferred()).toBe(1);
    expect(launched()).toHaveLength(1);
    expect(sim.faults.commitDeferred()).toBe(0);
  });

  it('counts the connections it accepted, so a client pool can be measured', async () => {
    const before = sim.connections;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const ping = () =>
      new Promise<void>((resolve, reject) => {
        get(`${sim.url}/api/v2/ping/`, { agent }, (response) => {
          response.resume().on('end', resolve);
        }).on('error', reject);
      });
    try {
      for (let i = 0; i < 3; i++) await ping();
    } finally {
      agent.destroy();
    }
    expect(sim.connections - before).toBe(1);
  });

  it('adds latency to every response until turned off', async () => {
    sim.faults.latency(80);
    const started = performance.now();
    await call('/api/v2/me/');
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    sim.faults.latency(0);
  });

  it('logs method, path, status and size of every request and never a body', async () => {
    const body = await (await call('/api/v2/credential_types/?name=x')).arrayBuffer();
    const last = sim.requests.at(-1);
    expect(last).toEqual({
      method: 'GET',
      path: '/api/v2/credential_types/?name=x',
      status: 200,
      bytes: body.byteLength,
    });
  });
});

describe('an AWX applying its migrations', () => {
  it('redirects every request for a route to /migrations_notran/, before authentication, and does nothing', async () => {
    const upgrading = await startAwxSimulator({ upgrading: true });
    try {
      const template = upgrading.state.addJobTemplate({ name: 'waits' });
      for (const [path, init] of [
        [`job_templates/${template.id}/launch/`, { method: 'POST' }],
        ['me/', { headers: { Authorization: 'Bearer wrong' } }],
        ['ping/', {}],
      ] as const) {
        const response = await fetch(`${upgrading.apiUrl}${path}`, { redirect: 'manual', ...init });
        expect(response.status, path).toBe(302);
        expect(response.headers.get('location')).toBe('/migrations_notran/');
        expect(await response.text()).toBe('');
      }
      expect(upgrading.state.jobs()).toEqual([]);
      // What does not resolve is Django's 404, as the middleware resolves the path first.
      expect((await fetch(`${upgrading.apiUrl}jobs`, { redirect: 'manual' })).status).toBe(404);
      upgrading.setUpgrading(false);
      const me = await fetch(`${upgrading.apiUrl}me/`, {
        headers: { Authorization: `Bearer ${upgrading.token}` },
      });
      expect(me.status).toBe(200);
    } finally {
      await upgrading.stop();
    }
  });
});
