/**
 * Preloaded (`--import`) into the Roundhouse controller process the bench starts: counts the
 * connections undici opens (diagnostics channel `undici:client:connected`, which both npm's
 * undici and Node's own publish) and answers the bench's IPC questions with this process's CPU
 * time, RSS and that count. It changes nothing in the controller.
 */
import { subscribe } from 'node:diagnostics_channel';
import { monitorEventLoopDelay } from 'node:perf_hooks';

let connections = 0;
/** HTTP versions negotiated (ALPN): with HTTP/2 one connection carries many requests. */
const protocols = new Set<string>();
subscribe('undici:client:connected', (message) => {
  connections++;
  const version = (message as { connectParams?: { version?: string } }).connectParams?.version;
  if (version) protocols.add(version);
});

/** How late timers ran since the last sample: the time the event loop was busy with one task. */
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();

interface SampleRequest {
  readonly id: number;
  readonly gc?: boolean;
}

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
  });
  loopDelay.reset();
});
