/**
 * Past 350 lines: the transport's requests, retries, answer checks and TLS, each faulted with
 * nock against the one interceptor set-up the describes share.
 */
import { createSecureContext } from 'node:tls';
import { AbortedError, type Logger, withRequestGate } from '@roundhouse/core';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import type { AwxClientOptions } from './awx-client-options.js';
import {
  AwxApiError,
  AwxConnectionError,
  AwxResponseError,
  AwxTimeoutError,
  AwxTlsError,
  connectionError,
} from './awx-errors.js';
import { awxBase, awxJob, page, useNock } from './awx-nock.test-support.js';
import type { AwxRequestOptions } from './awx-roles.js';
import { AwxTransport } from './awx-transport.js';
import { restartTemplate } from './fakes.test-support.js';
import {
  CredentialSchema,
  CredentialTypeSchema,
  JobSchema,
  JobTemplateSchema,
  LaunchResultSchema,
} from './schemas.js';

const token = 'tok-5f2c-very-secret';

function transport(options: Partial<AwxClientOptions> = {}) {
  return new AwxTransport({
    baseUrl: awxBase,
    token,
    retries: 3,
    minRetryDelayMs: 1,
    maxRetryDelayMs: 5,
    timeoutMs: 2_000,
    ...options,
  });
}

const credential = (id: number) => ({
  id,
  name: `cred-${id}`,
  organization: 1,
  credential_type: 9,
});

/** A read, repeatable whatever happened. */
function getJob(http: AwxTransport, id: number, options: AwxRequestOptions = {}) {
  return http.json(http.get(`jobs/${id}/`, {}, options), JobSchema);
}

/** A create, repeated only when AWX cannot have acted on it. */
function launch(http: AwxTransport) {
  const body = '{"extra_vars":{}}';
  return http.json(http.post('job_templates/3/launch/', body, {}), LaunchResultSchema);
}

/** An answer that comes a second late, past the timeouts the tests set. */
function silentFor1s(body: Record<string, unknown>) {
  return async (): Promise<[number, Record<string, unknown>]> => {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    return [200, body];
  };
}

function socketError(code: string): Error {
  return Object.assign(new Error(`socket ${code}`), { code });
}

useNock();

describe('AwxTransport requests', () => {
  it('sends the bearer token and URL-encodes query values', async () => {
    const name = 'Restart & roll/out #1 ü?x=y';
    const template = { ...restartTemplate, name };
    const scope = nock(awxBase)
      .get('/api/v2/job_templates/')
      .query({ name, page_size: '200' })
      .matchHeader('authorization', `Bearer ${token}`)
      .reply(200, page([template]));
    expect(await transport().list('job_templates/', { name }, JobTemplateSchema, {})).toEqual([
      template,
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('sends no launch the request gate of the work around it refuses, and throws its refusal', async () => {
    const scope = nock(awxBase).post('/api/v2/job_templates/3/launch/').reply(201, { id: 7 });
    const refusal = new Error('the lease is lost');
    await expect(
      withRequestGate(
        () => refusal,
        () => launch(transport()),
      ),
    ).rejects.toBe(refusal);
    expect(scope.isDone()).toBe(false);
  });

  it('serves AAP under the controller prefix', async () => {
    const scope = nock(awxBase).get('/api/controller/v2/jobs/5/').reply(200, awxJob(5));
    const aap = transport({ apiPrefix: '/api/controller/v2/' });
    expect(aap.apiUrl).toBe(`${awxBase}/api/controller/v2/`);
    expect((await getJob(aap, 5)).id).toBe(5);
    expect(scope.isDone()).toBe(true);
  });

  it('follows next until the list ends', async () => {
    const path = '/api/v2/job_templates/3/credentials/';
    nock(awxBase)
      .get(path)
      .query({ page_size: '200' })
      .reply(200, page([credential(1), credential(2)], `${path}?page=2&page_size=200`, 4))
      .get(path)
      .query({ page: '2', page_size: '200' })
      .reply(200, page([credential(3)], `${path}?page=3&page_size=200`, 4))
      .get(path)
      .query({ page: '3', page_size: '200' })
      .reply(200, page([credential(4)], null, 4));
    const found = await transport().list('job_templates/3/credentials/', {}, CredentialSchema, {});
    expect(found.map((c) => c.id)).toEqual([1, 2, 3, 4]);
  });

  it("reads the next page under baseUrl's path when a proxy strips it before AWX", async () => {
    // AWX saw /api/v2/credentials/, so its `next` lacks the proxy's /awx.
    const path = '/awx/api/v2/credentials/';
    const scope = nock(awxBase)
      .get(path)
      .query({ name: 'x', page_size: '200' })
      .reply(200, page([credential(1)], '/api/v2/credentials/?name=x&page=2&page_size=200', 2))
      .get(path)
      .query({ name: 'x', page: '2', page_size: '200' })
      .reply(200, page([credential(2)], null, 2));
    const proxied = transport({ baseUrl: `${awxBase}/awx` });
    const found = await proxied.list('credentials/', { name: 'x' }, CredentialSchema, {});
    expect(found.map((c) => c.id)).toEqual([1, 2]);
    expect(scope.isDone()).toBe(true);
  });

  it('fails, rather than reading on without end, when next names a page already read', async () => {
    const path = '/api/v2/credentials/';
    const scope = nock(awxBase)
      .get(path)
      .query({ page_size: '200' })
      .reply(200, page([credential(1)], `${path}?page=2&page_size=200`, 2))
      .get(path)
      .query({ page: '2', page_size: '200' })
      .times(3)
      .reply(200, page([credential(2)], `${path}?page=2&page_size=200`, 2));
    const error = await transport()
      .list('credentials/', {}, CredentialSchema, {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwxResponseError);
    expect((error as Error).message).toBe(
      'AWX GET credentials/?page=2&page_size=200 returned an unexpected body: next: names a page already read',
    );
    expect(scope.pendingMocks()).toHaveLength(1);
  });

  it('never sends the token to a next page on another server', async () => {
    const scope = nock(awxBase)
      .get('/api/v2/credentials/')
      .query({ name: 'x', page_size: '200' })
      .reply(200, page([credential(1)], 'https://evil.test/elsewhere/?name=x&page=2', 2))
      .get('/api/v2/credentials/')
      .query({ name: 'x', page: '2' })
      .reply(200, page([credential(2)], null, 2));
    const evil = nock('https://evil.test').get(/.*/).reply(200, page([]));
    const found = await transport().list('credentials/', { name: 'x' }, CredentialSchema, {});
    expect(found.map((c) => c.id)).toEqual([1, 2]);
    expect(scope.isDone()).toBe(true);
    expect(evil.isDone()).toBe(false);
  });
});

describe('AwxTransport retries', () => {
  it('waits for Retry-After on 429 before repeating a read', async () => {
    nock(awxBase)
      .get('/api/v2/jobs/5/')
      .reply(429, { detail: 'slow down' }, { 'Retry-After': '1' })
      .get('/api/v2/jobs/5/')
      .reply(200, awxJob(5));
    const started = Date.now();
    expect((await getJob(transport(), 5)).id).toBe(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('repeats a read after 503 and after a reset connection', async () => {
    const scope = nock(awxBase)
      .get('/api/v2/jobs/5/')
      .reply(503, { detail: 'Service Unavailable' })
      .get('/api/v2/jobs/5/')
      .replyWithError(socketError('ECONNRESET'))
      .get('/api/v2/jobs/5/')
      .reply(200, awxJob(5));
    expect((await getJob(transport(), 5)).status).toBe('running');
    expect(scope.isDone()).toBe(true);
  });

  it('repeats a read and a delete after a 500 (an AWX whose database failed over), never a launch', async () => {
    const scope = nock(awxBase)
      .get('/api/v2/jobs/5/')
      .reply(500, { detail: 'A server error occurred.' })
      .get('/api/v2/jobs/5/')
      .reply(200, awxJob(5))
      .delete('/api/v2/credentials/7/')
      .reply(500, { detail: 'A server error occurred.' })
      .delete('/api/v2/credentials/7/')
      .reply(204)
      .post('/api/v2/job_templates/3/launch/')
      .reply(500, { detail: 'A server error occurred.' });
    const http = transport();
    expect((await getJob(http, 5)).id).toBe(5);
    expect(await http.status(http.delete('credentials/7/', {}), [404])).toBe(204);
    await expect(launch(http)).rejects.toMatchObject({
      statusCode: 500,
      reason: 'AWXServerError',
      ambiguous: true,
      retryable: true,
    });
    expect(scope.isDone()).toBe(true);
  });

  it('gives up on a 500 after the configured retries, leaving the retry to the caller', async () => {
    const scope = nock(awxBase).get('/api/v2/jobs/5/').times(3).reply(500, {});
    const error = await getJob(transport({ retries: 2 }), 5).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwxApiError);
    expect(error).toMatchObject({ statusCode: 500, retryable: true });
    expect(scope.isDone()).toBe(true);
  });

  it('gives up after the configured retries with a typed error naming the endpoint', async () => {
    nock(awxBase).get('/api/v2/jobs/5/').times(3).reply(502, { detail: 'Bad Gateway' });
    const error = await getJob(transport({ retries: 2 }), 5).catch((e: unknown) => e);
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

  it('keeps one short line of an error body that is not JSON, and still classifies by status', async () => {
    const page = `<html>\r\n<head><title>502 Bad Gateway</title></head>\n\u001b[31m<body>${'x'.repeat(500)}</body></html>`;
    nock(awxBase).get('/api/v2/jobs/5/').reply(502, page, { 'Content-Type': 'text/html' });
    const error = await getJob(transport({ retries: 0 }), 5).catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 502, reason: 'AWXUnavailable' });
    const { detail } = error as AwxApiError;
    expect(detail).toMatch(/^<html> <head><title>502 Bad Gateway<\/title><\/head> \[31m<body>x+…$/);
    expect([...(detail ?? '')]).toHaveLength(201);
  });

  it('withholds a non-JSON error body that quotes a value the request sent as secret', async () => {
    nock(awxBase).post('/api/v2/credentials/').reply(400, 'bad input: hunter2', {
      'Content-Type': 'text/plain',
    });
    const http = transport({ retries: 0 });
    const call = http.post('credentials/', '{"inputs":{}}', {}, { secrets: ['hunter2'] });
    const error = await http.json(call, JobSchema).catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 400, reason: 'AWXBadRequest' });
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('says where a redirect leads and follows none, so the token stays on its origin', async () => {
    // An AWX route served over https answers its http URL so, with an HTML page.
    const scope = nock(awxBase)
      .get('/api/v2/jobs/5/')
      .reply(301, '<html><head><title>301 Moved Permanently</title></head></html>', {
        Location: 'https://awx.elsewhere.test/api/v2/jobs/5/',
        'Content-Type': 'text/html',
      });
    const error = await getJob(transport(), 5).catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 301, reason: 'AWXHTTPError', retryable: false });
    expect((error as Error).message).toBe(
      'AWX GET jobs/5/ answered 301: redirected to https://awx.elsewhere.test/api/v2/jobs/5/, ' +
        "which the client does not follow (the token goes only to baseUrl's origin): set " +
        'baseUrl and apiPrefix to where the API is served',
    );
    expect(scope.isDone()).toBe(true);
  });

  it("repeats a read and a launch while AWX upgrades, whose every answer is a redirect to its 'upgrading' page", async () => {
    // MigrationRanCheckMiddleware (awx/main/middleware.py) answers before authentication and
    // before any view while the newest migration is not applied: nothing was done.
    const upgrading = { Location: '/migrations_notran/', 'Content-Type': 'text/html' };
    const scope = nock(awxBase)
      .get('/api/v2/jobs/5/')
      .reply(302, '', upgrading)
      .get('/api/v2/jobs/5/')
      .reply(200, awxJob(5))
      .post('/api/v2/job_templates/3/launch/')
      .reply(302, '', upgrading)
      .post('/api/v2/job_templates/3/launch/')
      .reply(201, { job: 9, ignored_fields: {} });
    const http = transport();
    expect(await getJob(http, 5)).toMatchObject({ id: 5, status: 'running' });
    expect(await launch(http)).toEqual({ job: 9, ignored_fields: {} });
    expect(scope.isDone()).toBe(true);
  });

  it('says AWX is upgrading, retryable and not ambiguous, when the upgrade outlasts the retries', async () => {
    nock(awxBase)
      .post('/api/v2/job_templates/3/launch/')
      .times(4)
      .reply(302, '', { Location: 'https://awx.test/migrations_notran/' });
    const error = await launch(transport()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwxApiError);
    expect(error).toMatchObject({
      statusCode: 302,
      reason: 'AWXUpgrading',
      retryable: true,
      ambiguous: false,
    });
    expect((error as Error).message).toBe(
      'AWX POST job_templates/3/launch/ answered 302: AWX is applying its database ' +
        'migrations (an upgrade) and redirects every request to its "upgrading" page until ' +
        'they are done',
    );
  });

  it('does not retry what cannot succeed: 401', async () => {
    const scope = nock(awxBase)
      .get('/api/v2/jobs/5/')
      .reply(401, { detail: 'Authentication credentials were not provided.' });
    await expect(getJob(transport(), 5)).rejects.toMatchObject({
      reason: 'AWXUnauthorized',
      retryable: false,
    });
    expect(scope.isDone()).toBe(true);
  });

  it('sends a call AWX refused the token of once more with a renewed one, a launch too, renewing once for calls refused together', async () => {
    const rotated = 'tok-9a1e-rotated';
    const scope = nock(awxBase)
      .get('/api/v2/jobs/5/')
      .matchHeader('authorization', `Bearer ${token}`)
      .reply(401, { detail: 'Invalid token.' })
      .get('/api/v2/jobs/6/')
      .matchHeader('authorization', `Bearer ${token}`)
      .reply(401, { detail: 'Invalid token.' })
      .get('/api/v2/jobs/5/')
      .matchHeader('authorization', `Bearer ${rotated}`)
      .reply(200, awxJob(5))
      .get('/api/v2/jobs/6/')
      .matchHeader('authorization', `Bearer ${rotated}`)
      .reply(200, awxJob(6))
      // AWX authenticates before any view: a refused launch launched nothing.
      .post('/api/v2/job_templates/3/launch/')
      .matchHeader('authorization', `Bearer ${rotated}`)
      .reply(401, { detail: 'Invalid token.' })
      .post('/api/v2/job_templates/3/launch/')
      .matchHeader('authorization', `Bearer ${rotated}-again`)
      .reply(201, { id: 7, job: 7, ignored_fields: {} });
    const renewed = [`${rotated}\n`, `${rotated}-again`];
    let renewals = 0;
    const http = transport({ renewToken: async () => renewed[renewals++] as string });
    const jobs = await Promise.all([getJob(http, 5), getJob(http, 6)]);
    expect(jobs.map((j) => j.id)).toEqual([5, 6]);
    expect(renewals).toBe(1);
    expect((await launch(http)).job).toBe(7);
    expect(renewals).toBe(2);
    expect(scope.isDone()).toBe(true);
  });

  it('keeps the 401 when renewing brings no other token or fails, sending the call once', async () => {
    for (const renewToken of [
      async () => token,
      async () => {
        throw new Error('Secret awx/token not found');
      },
      async () => 'two words',
    ]) {
      const scope = nock(awxBase).get('/api/v2/jobs/5/').reply(401, { detail: 'Invalid token.' });
      await expect(getJob(transport({ renewToken }), 5)).rejects.toMatchObject({
        reason: 'AWXUnauthorized',
      });
      expect(scope.isDone()).toBe(true);
    }
  });

  it('times out a silent server, then succeeds on the repeat', async () => {
    nock(awxBase)
      .get('/api/v2/jobs/5/')
      .reply(silentFor1s(awxJob(5)))
      .get('/api/v2/jobs/5/')
      .reply(200, awxJob(5));
    expect((await getJob(transport({ timeoutMs: 100 }), 5)).id).toBe(5);
  });

  it('reports a timeout as such when no retry is left', async () => {
    nock(awxBase)
      .get('/api/v2/jobs/5/')
      .reply(silentFor1s(awxJob(5)));
    const error = await getJob(transport({ timeoutMs: 100, retries: 0 }), 5).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AwxTimeoutError);
    expect(error).toMatchObject({ reason: 'AWXTimeout', ambiguous: true });
  });

  it('never repeats a create AWX may have acted on: 503 and reset', async () => {
    const scope = nock(awxBase)
      .post('/api/v2/job_templates/3/launch/')
      .reply(503, { detail: 'Service Unavailable' })
      .post('/api/v2/job_templates/3/launch/')
      .replyWithError(socketError('ECONNRESET'));
    const http = transport();
    await expect(launch(http)).rejects.toMatchObject({ statusCode: 503, ambiguous: true });
    const reset = await launch(http).catch((e: unknown) => e);
    expect(reset).toBeInstanceOf(AwxConnectionError);
    expect(reset).toMatchObject({ code: 'ECONNRESET', ambiguous: true });
    expect(scope.isDone()).toBe(true);
  });

  it('repeats a create AWX cannot have seen: 429 and a refused connection', async () => {
    const scope = nock(awxBase)
      .post('/api/v2/job_templates/3/launch/')
      .reply(429, { detail: 'throttled' }, { 'Retry-After': '0' })
      .post('/api/v2/job_templates/3/launch/')
      .replyWithError(socketError('ECONNREFUSED'))
      .post('/api/v2/job_templates/3/launch/')
      .reply(201, { job: 8, ignored_fields: {} });
    expect((await launch(transport())).job).toBe(8);
    expect(scope.isDone()).toBe(true);
  });

  it('treats a host name that does not resolve as unsent: retryable, and a create repeatable', async () => {
    const scope = nock(awxBase)
      .post('/api/v2/job_templates/3/launch/')
      .replyWithError(socketError('ENOTFOUND'))
      .post('/api/v2/job_templates/3/launch/')
      .reply(201, { job: 9, ignored_fields: {} });
    expect((await launch(transport())).job).toBe(9);
    expect(scope.isDone()).toBe(true);
    nock(awxBase).get('/api/v2/jobs/5/').replyWithError(socketError('ENOTFOUND'));
    const error = await getJob(transport({ retries: 0 }), 5).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwxConnectionError);
    expect(error).toMatchObject({
      reason: 'AWXUnreachable',
      code: 'ENOTFOUND',
      retryable: true,
      ambiguous: false,
    });
  });

  it('stops retrying when the caller aborts', async () => {
    nock(awxBase).get('/api/v2/jobs/5/').times(10).reply(503, {});
    const controller = new AbortController();
    const http = transport({ minRetryDelayMs: 200, maxRetryDelayMs: 200, retries: 10 });
    const pending = getJob(http, 5, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
  });

  it('sends nothing for an already aborted signal', async () => {
    const scope = nock(awxBase).get('/api/v2/jobs/5/').reply(200, awxJob(5));
    await expect(getJob(transport(), 5, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      AbortedError,
    );
    expect(scope.isDone()).toBe(false);
  });
});

describe('AwxTransport response checks', () => {
  it('names the endpoint and the field of an unexpected body', async () => {
    nock(awxBase)
      .get('/api/v2/jobs/7/')
      .reply(200, awxJob(7, { status: 42 }))
      .get('/api/v2/jobs/8/')
      .reply(200, '<html>maintenance</html>');
    const bad = await getJob(transport(), 7).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(AwxResponseError);
    expect(bad).toMatchObject({ endpoint: 'GET jobs/7/', field: 'status' });
    await expect(getJob(transport(), 8)).rejects.toMatchObject({
      reason: 'AWXUnexpectedResponse',
      field: '',
      message: 'AWX GET jobs/8/ returned an unexpected body: not JSON',
    });
  });

  it('keeps field errors, nested ones included, and those about no field without a path', async () => {
    nock(awxBase)
      .post('/api/v2/credential_types/')
      .reply(400, {
        injectors: ['Environment variable PATH is not allowed.'],
        inputs: { __all__: ['bad'] },
        __all__: ['dup'],
      });
    const http = transport();
    const error = await http
      .json(http.post('credential_types/', '{}', {}), CredentialTypeSchema)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      reason: 'AWXBadRequest',
      fields: [
        { path: 'injectors', message: 'Environment variable PATH is not allowed.' },
        { path: 'inputs', message: 'bad' },
        { path: '', message: 'dup' },
      ],
    });
    expect((error as Error).message).toBe(
      'AWX POST credential_types/ answered 400: injectors: Environment variable PATH is not ' +
        'allowed.; inputs: bad; dup',
    );
  });

  it('shows an error body that is a JSON string as the detail, and one that is a list as issues', async () => {
    nock(awxBase)
      .post('/api/v2/job_templates/3/launch/')
      .reply(400, JSON.stringify('JSON parse error - Expecting value: line 1 column 1 (char 0)'), {
        'Content-Type': 'application/json',
      })
      .post('/api/v2/job_templates/4/launch/')
      .reply(400, ['Cannot launch: the inventory is being deleted.']);
    const http = transport();
    const launch = (id: number) =>
      http
        .json(http.post(`job_templates/${id}/launch/`, '{}', {}), LaunchResultSchema)
        .catch((e: unknown) => e);
    const parse = await launch(3);
    expect(parse).toMatchObject({
      detail: 'JSON parse error - Expecting value: line 1 column 1 (char 0)',
      message:
        'AWX POST job_templates/3/launch/ answered 400: JSON parse error - Expecting value: ' +
        'line 1 column 1 (char 0)',
    });
    expect(await launch(4)).toMatchObject({
      fields: [{ path: '', message: 'Cannot launch: the inventory is being deleted.' }],
      message:
        'AWX POST job_templates/4/launch/ answered 400: Cannot launch: the inventory is being deleted.',
    });
  });

  it('answers the status of a success or of a tolerated error, and throws on others', async () => {
    nock(awxBase)
      .delete('/api/v2/credentials/1/')
      .reply(204)
      .delete('/api/v2/credentials/2/')
      .reply(404, { detail: 'Not found.' })
      .delete('/api/v2/credentials/3/')
      .reply(403, { detail: 'You do not have permission.' });
    const http = transport();
    const remove = (id: number) => http.status(http.delete(`credentials/${id}/`, {}), [404]);
    expect(await remove(1)).toBe(204);
    expect(await remove(2)).toBe(404);
    await expect(remove(3)).rejects.toMatchObject({ reason: 'AWXForbidden', statusCode: 403 });
  });

  it('never puts the token in an error', async () => {
    nock(awxBase)
      .get('/api/v2/jobs/1/')
      .reply(401, { detail: 'Invalid token.' })
      .get('/api/v2/jobs/2/')
      .replyWithError(socketError('ECONNREFUSED'))
      .get('/api/v2/jobs/3/')
      .reply(200, awxJob(3, { id: 'x' }));
    const errors = await Promise.all(
      [1, 2, 3].map((id) => getJob(transport({ retries: 0 }), id).catch((e: unknown) => e)),
    );
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      expect(`${String(error)} ${JSON.stringify(error)} ${(error as Error).stack}`).not.toContain(
        token,
      );
    }
  });
});

describe('AwxTransport TLS', () => {
  it('fails, not retryable, naming the caBundle when the TLS data cannot be loaded', () => {
    let thrown: unknown;
    try {
      createSecureContext({ cert: 'not PEM' });
    } catch (error) {
      thrown = error;
    }
    const error = connectionError(
      'GET /api/v2/ping/',
      new TypeError('fetch failed', { cause: thrown }),
    );
    expect(error).toBeInstanceOf(AwxTlsError);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/the client's caBundle could not be loaded \(ERR_OSSL_/);
  });

  it('warns once, at construction, when TLS verification is turned off', () => {
    const warnings: string[] = [];
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      error: () => {},
      warn: (_fields, message) => warnings.push(message),
    };
    transport({ insecureSkipTlsVerify: true, logger });
    transport({ logger });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/verification is disabled/);
  });
});
