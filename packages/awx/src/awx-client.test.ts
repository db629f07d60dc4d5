import { AbortedError, ConfigurationError, type Logger } from '@roundhouse/core';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwxClient } from './awx-client.js';
import type { AwxClientOptions } from './awx-client-options.js';
import {
  AwxApiError,
  AwxConnectionError,
  AwxLookupError,
  AwxResponseError,
  AwxTimeoutError,
} from './awx-errors.js';

const base = 'https://awx.test';
const token = 'tok-5f2c-very-secret';

function client(options: Partial<AwxClientOptions> = {}) {
  return new AwxClient({
    baseUrl: base,
    token,
    retries: 3,
    minRetryDelayMs: 1,
    maxRetryDelayMs: 5,
    timeoutMs: 2_000,
    ...options,
  });
}

function page<T>(results: T[], next: string | null = null) {
  return { count: results.length, next, previous: null, results };
}

const template = (id: number, name = 'remediate') => ({
  id,
  name,
  organization: 1,
  ask_variables_on_launch: true,
  ask_credential_on_launch: true,
});

const job = (id: number, extra: Record<string, unknown> = {}) => ({
  id,
  status: 'running',
  job_template: 3,
  created: '2026-01-01T00:00:00.000001Z',
  extra_vars: '{}',
  job_explanation: '',
  ...extra,
});

const credential = (id: number) => ({
  id,
  name: `cred-${id}`,
  organization: 1,
  credential_type: 9,
});

function socketError(code: string): Error {
  return Object.assign(new Error(`socket ${code}`), { code });
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('AwxClient requests', () => {
  it('sends the bearer token and URL-encodes query values', async () => {
    const name = 'Restart & roll/out #1 ü?x=y';
    const scope = nock(base)
      .get('/api/v2/job_templates/')
      .query({ name, page_size: '200' })
      .matchHeader('authorization', `Bearer ${token}`)
      .reply(200, page([template(3, name)]));
    expect(await client().findJobTemplate(name)).toEqual(template(3, name));
    expect(scope.isDone()).toBe(true);
  });

  it('serves AAP under the controller prefix', async () => {
    const scope = nock(base).get('/api/controller/v2/jobs/5/').reply(200, job(5));
    const aap = client({ apiPrefix: '/api/controller/v2/' });
    expect(aap.apiUrl).toBe(`${base}/api/controller/v2/`);
    expect((await aap.getJob(5))?.id).toBe(5);
    expect(scope.isDone()).toBe(true);
  });

  it('reports a missing and an ambiguous template name as lookup errors', async () => {
    nock(base).get('/api/v2/job_templates/').query(true).reply(200, page([]));
    await expect(client().findJobTemplate('nope')).rejects.toMatchObject({
      reason: 'AWXObjectNotFound',
      message: 'no AWX job template is named "nope"',
    });
    nock(base)
      .get('/api/v2/job_templates/')
      .query(true)
      .reply(200, page([template(3), template(8)]));
    const error = await client()
      .findJobTemplate('remediate')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwxLookupError);
    expect(error).toMatchObject({ reason: 'AWXAmbiguousName', matches: [3, 8] });
  });

  it('finds an organization by name, for configuring the executor', async () => {
    nock(base)
      .get('/api/v2/organizations/')
      .query({ name: 'Ops Team', page_size: '200' })
      .reply(200, page([{ id: 4, name: 'Ops Team', description: '' }]))
      .get('/api/v2/organizations/')
      .query(true)
      .reply(200, page([]));
    expect(await client().findOrganization('Ops Team')).toEqual({ id: 4, name: 'Ops Team' });
    await expect(client().findOrganization('Nobody')).rejects.toMatchObject({
      reason: 'AWXObjectNotFound',
      message: 'no AWX organization is named "Nobody"',
    });
  });

  it('follows next until the list ends', async () => {
    nock(base)
      .get('/api/v2/job_templates/3/credentials/')
      .query({ page_size: '200' })
      .reply(
        200,
        page(
          [credential(1), credential(2)],
          '/api/v2/job_templates/3/credentials/?page=2&page_size=200',
        ),
      )
      .get('/api/v2/job_templates/3/credentials/')
      .query({ page: '2', page_size: '200' })
      .reply(
        200,
        page([credential(3)], '/api/v2/job_templates/3/credentials/?page=3&page_size=200'),
      )
      .get('/api/v2/job_templates/3/credentials/')
      .query({ page: '3', page_size: '200' })
      .reply(200, page([credential(4)]));
    const found = await client().templateCredentials(3);
    expect(found.map((c) => c.id)).toEqual([1, 2, 3, 4]);
  });

  it('never sends the token to a next page on another server', async () => {
    nock(base)
      .get('/api/v2/credentials/')
      .query(true)
      .reply(200, page([credential(1)], 'https://evil.test/api/v2/credentials/?page=2'));
    const evil = nock('https://evil.test').get(/.*/).reply(200, page([]));
    const error = await client()
      .listCredentials({ name: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwxResponseError);
    expect(error).toMatchObject({ field: 'next' });
    expect(evil.isDone()).toBe(false);
  });

  it('finds the newest matching job, reading details for rows without extra_vars', async () => {
    const createdAfter = new Date('2026-01-01T00:00:00.000Z');
    const { extra_vars: _, ...bare } = job(12);
    nock(base)
      .get('/api/v2/jobs/')
      .query({
        job_template: '3',
        created__gt: '2026-01-01T00:00:00.000Z',
        order_by: '-created',
        page_size: '200',
      })
      .reply(200, page([job(14, { extra_vars: '{"M":"other"}' }), bare], '/api/v2/jobs/?page=2'))
      .get('/api/v2/jobs/12/')
      .reply(200, job(12, { extra_vars: '{"M":"mine"}' }));
    const found = await client().findJob({ jobTemplate: 3, createdAfter }, (j) =>
      j.extra_vars.includes('mine'),
    );
    // The match is on the first page, so the second is never read.
    expect(found?.id).toBe(12);
  });

  it('reads the tail of a long output, from a whole character', async () => {
    const text = `${'x'.repeat(10_000)}ééé end\n`;
    nock(base).get('/api/v2/jobs/7/stdout/').query({ format: 'txt' }).reply(200, text);
    const tail = await client().jobStdoutTail(7, 9);
    expect(tail).toBe('éé end\n');
    expect(text.endsWith(tail)).toBe(true);
  });

  it('classifies a cancel by status code', async () => {
    nock(base)
      .post('/api/v2/jobs/1/cancel/')
      .reply(202)
      .post('/api/v2/jobs/2/cancel/')
      .reply(405, { detail: 'Method "POST" not allowed.' })
      .post('/api/v2/jobs/3/cancel/')
      .reply(404, { detail: 'Not found.' });
    const awx = client();
    expect(await awx.cancelJob(1)).toBe('requested');
    expect(await awx.cancelJob(2)).toBe('finished');
    expect(await awx.cancelJob(3)).toBe('absent');
  });

  it('answers null for a job and false for a credential that is gone', async () => {
    nock(base)
      .get('/api/v2/jobs/9/')
      .reply(404, { detail: 'Not found.' })
      .delete('/api/v2/credentials/4/')
      .reply(404, { detail: 'Not found.' })
      .delete('/api/v2/credentials/5/')
      .reply(204);
    expect(await client().getJob(9)).toBeNull();
    expect(await client().deleteCredential(4)).toBe(false);
    expect(await client().deleteCredential(5)).toBe(true);
  });

  it('launches with extra_vars as a JSON object and the credential list', async () => {
    let sent: unknown;
    nock(base)
      .post('/api/v2/job_templates/3/launch/', (body) => {
        sent = body;
        return true;
      })
      .reply(201, { job: 77, ignored_fields: {}, id: 77 });
    const result = await client().launch(3, {
      extraVars: { REPLICAS: 3, MODE: 'fast', FLAGS: [true, null] },
      credentials: [5, 6],
    });
    expect(result).toEqual({ job: 77, ignored_fields: {} });
    expect(sent).toEqual({
      credentials: [5, 6],
      extra_vars: { FLAGS: [true, null], MODE: 'fast', REPLICAS: 3 },
    });
  });
});

describe('AwxClient retries', () => {
  it('waits for Retry-After on 429 before repeating a read', async () => {
    nock(base)
      .get('/api/v2/jobs/5/')
      .reply(429, { detail: 'slow down' }, { 'Retry-After': '1' })
      .get('/api/v2/jobs/5/')
      .reply(200, job(5));
    const started = Date.now();
    expect((await client().getJob(5))?.id).toBe(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('repeats a read after 503 and after a reset connection', async () => {
    const scope = nock(base)
      .get('/api/v2/jobs/5/')
      .reply(503, { detail: 'Service Unavailable' })
      .get('/api/v2/jobs/5/')
      .replyWithError(socketError('ECONNRESET'))
      .get('/api/v2/jobs/5/')
      .reply(200, job(5));
    expect((await client().getJob(5))?.status).toBe('running');
    expect(scope.isDone()).toBe(true);
  });

  it('gives up after the configured retries with a typed error naming the endpoint', async () => {
    nock(base).get('/api/v2/jobs/5/').times(3).reply(502, { detail: 'Bad Gateway' });
    const error = await client({ retries: 2 })
      .getJob(5)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwxApiError);
    expect(error).toMatchObject({
      statusCode: 502,
      reason: 'AWXUnavailable',
      retryable: true,
      endpoint: 'GET jobs/5/',
      detail: 'Bad Gateway',
      message: 'AWX GET jobs/5/ answered 502: Bad Gateway',
    });
  });

  it('does not retry what cannot succeed: 401', async () => {
    const scope = nock(base)
      .get('/api/v2/jobs/5/')
      .reply(401, { detail: 'Authentication credentials were not provided.' });
    await expect(client().getJob(5)).rejects.toMatchObject({
      reason: 'AWXUnauthorized',
      retryable: false,
    });
    expect(scope.isDone()).toBe(true);
  });

  it('times out a silent server, then succeeds on the repeat', async () => {
    nock(base)
      .get('/api/v2/jobs/5/')
      .reply(async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return [200, job(5)];
      })
      .get('/api/v2/jobs/5/')
      .reply(200, job(5));
    expect((await client({ timeoutMs: 100 }).getJob(5))?.id).toBe(5);
  });

  it('reports a timeout as such when no retry is left', async () => {
    nock(base)
      .get('/api/v2/jobs/5/')
      .reply(async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return [200, job(5)];
      });
    const error = await client({ timeoutMs: 100, retries: 0 })
      .getJob(5)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwxTimeoutError);
    expect(error).toMatchObject({ reason: 'AWXTimeout', ambiguous: true });
  });

  it('never repeats a launch AWX may have acted on: 503 and reset', async () => {
    const scope = nock(base)
      .post('/api/v2/job_templates/3/launch/')
      .reply(503, { detail: 'Service Unavailable' })
      .post('/api/v2/job_templates/3/launch/')
      .replyWithError(socketError('ECONNRESET'));
    const launch = () => client().launch(3, { extraVars: {} });
    await expect(launch()).rejects.toMatchObject({ statusCode: 503, ambiguous: true });
    const reset = await launch().catch((e: unknown) => e);
    expect(reset).toBeInstanceOf(AwxConnectionError);
    expect(reset).toMatchObject({ code: 'ECONNRESET', ambiguous: true });
    expect(scope.isDone()).toBe(true);
  });

  it('repeats a launch AWX cannot have seen: 429 and a refused connection', async () => {
    const scope = nock(base)
      .post('/api/v2/job_templates/3/launch/')
      .reply(429, { detail: 'throttled' }, { 'Retry-After': '0' })
      .post('/api/v2/job_templates/3/launch/')
      .replyWithError(socketError('ECONNREFUSED'))
      .post('/api/v2/job_templates/3/launch/')
      .reply(201, { job: 8, ignored_fields: {} });
    expect((await client().launch(3, { extraVars: {} })).job).toBe(8);
    expect(scope.isDone()).toBe(true);
  });

  it('stops retrying when the caller aborts', async () => {
    nock(base).get('/api/v2/jobs/5/').times(10).reply(503, {});
    const controller = new AbortController();
    const pending = client({ minRetryDelayMs: 200, maxRetryDelayMs: 200, retries: 10 }).getJob(5, {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
  });

  it('sends nothing for an already aborted signal', async () => {
    const scope = nock(base).get('/api/v2/jobs/5/').reply(200, job(5));
    await expect(client().getJob(5, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      AbortedError,
    );
    expect(scope.isDone()).toBe(false);
  });
});

describe('AwxClient response checks', () => {
  it('names the endpoint and the field of an unexpected body', async () => {
    nock(base)
      .get('/api/v2/jobs/7/')
      .reply(200, job(7, { status: 'exploded' }))
      .get('/api/v2/jobs/8/')
      .reply(200, '<html>maintenance</html>');
    const bad = await client()
      .getJob(7)
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(AwxResponseError);
    expect(bad).toMatchObject({ endpoint: 'GET jobs/7/', field: 'status' });
    await expect(client().getJob(8)).rejects.toMatchObject({
      reason: 'AWXUnexpectedResponse',
      field: '',
      message: 'AWX GET jobs/8/ returned an unexpected body: not JSON',
    });
  });

  it('keeps field errors, nested ones included', async () => {
    nock(base)
      .post('/api/v2/credential_types/')
      .reply(400, { injectors: ['Environment variable PATH is not allowed.'], __all__: ['dup'] });
    const error = await client()
      .createCredentialType({
        name: 't',
        description: '',
        kind: 'cloud',
        inputs: { fields: [] },
        injectors: {},
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      reason: 'AWXBadRequest',
      fields: [
        { path: 'injectors', message: 'Environment variable PATH is not allowed.' },
        { path: '__all__', message: 'dup' },
      ],
    });
  });

  it('withholds what AWX says about credential inputs, and any message quoting one', async () => {
    const canary = 'canary-7d1e0f';
    nock(base)
      .post('/api/v2/credentials/')
      .reply(400, {
        detail: `bad ${canary}`,
        inputs: { password: ['is not valid'] },
        name: [`name clashes with ${canary}`],
        organization: ['Invalid pk "7" - object does not exist.'],
      });
    const error = await client()
      .createCredential({
        name: 'c',
        description: '',
        organization: 7,
        credential_type: 9,
        inputs: { password: canary },
      })
      .catch((e: unknown) => e);
    const withheld = '(message withheld: it may quote a secret value)';
    expect(error).toMatchObject({
      statusCode: 400,
      detail: withheld,
      fields: [
        { path: 'inputs.password', message: withheld },
        { path: 'name', message: withheld },
        { path: 'organization', message: 'Invalid pk "7" - object does not exist.' },
      ],
    });
    expect(`${String(error)} ${JSON.stringify(error)}`).not.toContain(canary);
  });

  it('never puts the token in an error', async () => {
    nock(base)
      .get('/api/v2/jobs/1/')
      .reply(401, { detail: 'Invalid token.' })
      .get('/api/v2/jobs/2/')
      .replyWithError(socketError('ECONNREFUSED'))
      .get('/api/v2/jobs/3/')
      .reply(200, job(3, { id: 'x' }));
    const errors = await Promise.all(
      [1, 2, 3].map((id) =>
        client({ retries: 0 })
          .getJob(id)
          .catch((e: unknown) => e),
      ),
    );
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      expect(`${String(error)} ${JSON.stringify(error)} ${(error as Error).stack}`).not.toContain(
        token,
      );
    }
  });
});

describe('AwxClient options', () => {
  it('names every bad option without echoing the token', () => {
    const error = (() => {
      try {
        return new AwxClient({ baseUrl: 'ftp://awx', token: 'has space', apiPrefix: 'api' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues.map((i) => i.path)).toEqual([
      'awx.baseUrl',
      'awx.token',
      'awx.apiPrefix',
    ]);
    expect(String(error)).not.toContain('has space');
  });

  it('warns once, at construction, when TLS verification is turned off', () => {
    const warnings: string[] = [];
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      error: () => {},
      warn: (_fields, message) => warnings.push(message),
    };
    client({ insecureSkipTlsVerify: true, logger });
    client({ logger });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/verification is disabled/);
  });
});
