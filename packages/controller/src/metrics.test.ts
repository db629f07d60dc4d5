import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { fetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ControllerMetrics } from './metrics.js';

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A local server answering every request with `status`. */
async function server(status: number): Promise<string> {
  const http = createServer((_request, response) => {
    response.writeHead(status).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => http.close(resolve)));
  return `127.0.0.1:${(http.address() as AddressInfo).port}`;
}

describe('ControllerMetrics', () => {
  it('counts HTTP requests to the API server by code, method and host, as client-go does', async () => {
    const metrics = new ControllerMetrics({ processMetrics: false });
    const api = await server(200);
    const other = await server(404);
    closers.push(metrics.countRestClientRequests({ hosts: [api] }));
    await (await fetch(`http://${api}/api/v1/pods`)).text();
    await (await fetch(`http://${api}/api/v1/pods`, { method: 'POST', body: '{}' })).text();
    await (await fetch(`http://${other}/elsewhere`)).text();
    const text = await metrics.registry.metrics();
    expect(text).toContain(`rest_client_requests_total{code="200",method="GET",host="${api}"} 1`);
    expect(text).toContain(`rest_client_requests_total{code="200",method="POST",host="${api}"} 1`);
    expect(text).not.toContain(other);
  });

  it('counts a request that got no answer as <error>, and stops counting when told', async () => {
    const metrics = new ControllerMetrics({ processMetrics: false });
    const gone = await server(200);
    await closers.pop()?.();
    const stop = metrics.countRestClientRequests();
    await expect(fetch(`http://${gone}/healthz`)).rejects.toThrow();
    stop();
    await expect(fetch(`http://${gone}/healthz`)).rejects.toThrow();
    expect(await metrics.registry.metrics()).toContain(
      `rest_client_requests_total{code="<error>",method="GET",host="${gone}"} 1`,
    );
  });

  it('shows a worker stuck on a key as unfinished work and the longest-running processor', async () => {
    const metrics = new ControllerMetrics({ processMetrics: false });
    metrics.processing('widgets', () => [30, 2.5]);
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'workqueue_unfinished_work_seconds{name="widgets",controller="widgets"} 32.5',
    );
    expect(text).toContain(
      'workqueue_longest_running_processor_seconds{name="widgets",controller="widgets"} 30',
    );
  });

  it('registers process metrics by default, on a registry of your choice', async () => {
    const registry = new Registry();
    const metrics = new ControllerMetrics({ registry });
    expect(metrics.registry).toBe(registry);
    const text = await registry.metrics();
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('process_start_time_seconds');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});
