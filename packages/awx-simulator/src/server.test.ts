import { Agent, get } from 'node:http';
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
    for (const headers of [
      {},
      { Authorization: 'Bearer wrong' },
      { Authorization: 'Basic YTpi' },
    ]) {
      const response = await fetch(`${sim.apiUrl}job_templates/`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer realm=api authorization_url=/api/o/authorize/',
      );
      expect(await response.json()).toEqual({
        detail: 'Authentication credentials were not provided.',
      });
    }
    expect((await call('/api/v2/me/')).status).toBe(200);
  });

  it('serves ping/ and the API root without authentication, as AWX does', async () => {
    expect((await fetch(`${sim.apiUrl}ping/`)).status).toBe(200);
    expect(await (await fetch(sim.apiUrl)).json()).toMatchObject({ jobs: '/api/v2/jobs/' });
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
    expect(await (await call('/api/v2/jobs/999/')).json()).toEqual({ detail: 'Not found.' });
  });

  it('answers 405 with Allow for a method the view does not take', async () => {
    const response = await call('/api/v2/jobs/', { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(await response.json()).toEqual({ detail: 'Method "DELETE" not allowed.' });
  });

  it('refuses bodies that are not JSON, as DRF does', async () => {
    const plain = await call('/api/v2/credentials/', { method: 'POST', body: '{}' });
    expect(plain.status).toBe(415);
    expect(await plain.json()).toEqual({
      detail: 'Unsupported media type "text/plain;charset=UTF-8" in request.',
    });
    const broken = await call('/api/v2/credentials/', {
      method: 'POST',
      body: '{"name":',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as Body).detail).toMatch(/^JSON parse error - /);
  });

  it('keys errors about the body as a whole as AWX does, under __all__', async () => {
    const response = await call('/api/v2/credentials/', {
      method: 'POST',
      body: '[]',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      __all__: ['Invalid data. Expected a dictionary, but got list.'],
    });
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

  it('logs method, path and status of every request and never a body', async () => {
    await call('/api/v2/credential_types/?name=x');
    const last = sim.requests.at(-1);
    expect(last).toEqual({ method: 'GET', path: '/api/v2/credential_types/?name=x', status: 200 });
  });
});
