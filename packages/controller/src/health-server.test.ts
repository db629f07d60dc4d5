import { afterEach, describe, expect, it } from 'vitest';
import { type HealthServer, startHealthServer } from './health-server.js';
import { ControllerMetrics } from './metrics.js';

const servers: HealthServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(ready: () => boolean, metrics?: ControllerMetrics) {
  const server = await startHealthServer({ port: 0, ready, ...(metrics ? { metrics } : {}) });
  servers.push(server);
  return (path: string, method = 'GET') =>
    fetch(`http://127.0.0.1:${server.port}${path}`, { method });
}

describe('startHealthServer', () => {
  it('answers /healthz always and /readyz as ready() says', async () => {
    let ready = false;
    const get = await serve(() => ready);
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(503);
    ready = true;
    expect((await get('/readyz')).status).toBe(200);
  });

  it('serves Prometheus metrics when given, and nothing else', async () => {
    const metrics = new ControllerMetrics();
    metrics.reconciled('demo', 'success', 0.01);
    const get = await serve(() => true, metrics);
    const response = await get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain(
      'controller_runtime_reconcile_total{controller="demo",result="success"} 1',
    );
    expect(text).toContain('process_resident_memory_bytes');
    expect((await get('/other')).status).toBe(404);
    expect((await get('/healthz', 'POST')).status).toBe(405);
  });

  it('has no /metrics without metrics', async () => {
    const get = await serve(() => true);
    expect((await get('/metrics')).status).toBe(404);
  });
});
