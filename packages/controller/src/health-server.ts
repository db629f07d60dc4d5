import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ControllerMetrics } from './metrics.js';

export interface HealthServerOptions {
  /** 0 picks a free port; the returned `port` says which. */
  readonly port: number;
  /**
   * Interface to listen on. Default `127.0.0.1`, reachable only from the same host; in a pod,
   * pass `0.0.0.0` so the kubelet's probes and Prometheus can reach it.
   */
  readonly host?: string | undefined;
  readonly metrics?: ControllerMetrics | undefined;
  /** Whether `/readyz` answers 200 (e.g. `() => controller.ready`). */
  readonly ready: () => boolean;
}

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `/healthz` (the process answers), `/readyz` (`ready()` holds) and, with `metrics`,
 * `/metrics` in the Prometheus text format.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      reply(response, 405, 'method not allowed\n');
      return;
    }
    if (path === '/healthz') reply(response, 200, 'ok\n');
    else if (path === '/readyz') {
      if (options.ready()) reply(response, 200, 'ok\n');
      else reply(response, 503, 'not ready\n');
    } else if (path === '/metrics' && options.metrics) {
      const { registry } = options.metrics;
      registry.metrics().then(
        (text) => reply(response, 200, text, registry.contentType),
        (error: unknown) => reply(response, 500, `${String(error)}\n`),
      );
    } else reply(response, 404, 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function reply(
  response: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  response.writeHead(status, { 'content-type': contentType });
  response.end(body);
}
