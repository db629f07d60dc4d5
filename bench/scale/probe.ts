/**
 * Preloaded (`--import`) into the Roundhouse controller process the bench starts: counts the
 * connections undici opens (diagnostics channel `undici:client:connected`, which both npm's
 * undici and Node's own publish), times each request from its headers sent to the response's
 * headers received (`undici:client:sendHeaders`, `undici:request:headers`), and answers the
 * bench's IPC questions with this process's CPU time, RSS, that count and the round trips since
 * the last question. It changes nothing in the controller.
 */
import { subscribe } from 'node:diagnostics_channel';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { RoundTrip } from './scenario.js';

let connections = 0;
/** HTTP versions negotiated (ALPN): with HTTP/2 one connection carries many requests. */
const protocols = new Set<string>();
subscribe('undici:client:connected', (message) => {
  connections++;
  const version = (message as { connectParams?: { version?: string } }).connectParams?.version;
  if (version) protocols.add(version);
});

interface UndiciRequest {
  readonly method: string;
  readonly path: string;
}
const sentAt = new WeakMap<UndiciRequest, number>();
/**
 * Every request answered since the last sample, as it was sent: the bench names its kind, so
 * that work is not counted in this process's CPU.
 */
let roundTrips: RoundTrip[] = [];
subscribe('undici:client:sendHeaders', (message) => {
  sentAt.set((message as { request: UndiciRequest }).request, performance.now());
});
subscribe('undici:request:headers', (message) => {
  const { request } = message as { request: UndiciRequest };
  const sent = sentAt.get(request);
  if (sent !== undefined) roundTrips.push([request.method, request.path, performance.now() - sent]);
});

/** How late timers ran since the last sample: the time the event loop was busy with one task. */
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();

interface SampleRequest {
  readonly id: number;
  readonly gc?: boolean;
}

/** The share of wall time the event loop was busy since the last sample (0..1). */
let utilizationFrom = performance.eventLoopUtilization();

process.on('message', (message: SampleRequest) => {
  // Started with --expose-gc: RSS after a collection is the live set, not the last garbage.
  if (message.gc) (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  process.send?.({
    id: message.id,
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssBytes: process.memoryUsage.rss(),
    heapUsedBytes: process.memoryUsage().heapUsed,
    loopDelayMs: {
      p50: loopDelay.percentile(50) / 1e6,
      p99: loopDelay.percentile(99) / 1e6,
      max: loopDelay.max / 1e6,
    },
    connections,
    protocols: [...protocols],
    roundTrips,
    loopUtilization: performance.eventLoopUtilization(utilizationFrom).utilization,
  });
  utilizationFrom = performance.eventLoopUtilization();
  loopDelay.reset();
  roundTrips = [];
});

/**
 * With ROUNDHOUSE_BENCH_EVENTS=<prefix>: counts the watch events this process parses and their
 * bytes, by kind and type, into <prefix>.<pid>.json, and copies its /metrics (reconciles) into
 * <prefix>.<pid>.metrics, every second, to see which resource's events the controller spends
 * its time on. Off by default: it wraps JSON.parse and scrapes the controller every second (about
 * a tenth of the controller's profile samples at N = 300), so such a run's CPU figures are not
 * the controller's own.
 */
const eventsFile = process.env.ROUNDHOUSE_BENCH_EVENTS;
if (eventsFile) {
  const { writeFileSync } = await import('node:fs');
  // node:http, not fetch: the probe's own undici counters must not see the scrape.
  const { get } = await import('node:http');
  const counts: Record<string, number> = {};
  const parse = JSON.parse;
  JSON.parse = function countingParse(text: string, reviver?: Parameters<typeof parse>[1]) {
    const value = parse(text, reviver);
    const { type, object } = (value ?? {}) as { type?: unknown; object?: { kind?: unknown } };
    if (typeof type === 'string' && object && typeof object === 'object') {
      const key = `${String(object.kind)} ${type}`;
      counts[key] = (counts[key] ?? 0) + 1;
      counts[`${key} bytes`] = (counts[`${key} bytes`] ?? 0) + text.length;
    }
    return value;
  };
  const port = process.argv.find((a) => a.startsWith('--health-port='))?.split('=')[1];
  const at = `${eventsFile}.${process.pid}`;
  setInterval(() => {
    writeFileSync(`${at}.json`, JSON.stringify(counts));
    get(`http://127.0.0.1:${port}/metrics`, (answer) => {
      let text = '';
      answer.setEncoding('utf8');
      answer.on('data', (chunk: string) => {
        text += chunk;
      });
      answer.on('end', () => writeFileSync(`${at}.metrics`, text));
    }).on('error', () => {});
  }, 1000).unref();
}
