/**
 * Preloaded (`--import`) into the Roundhouse controller process the bench starts: counts the
 * connections undici opens (diagnostics channel `undici:client:connected`, which both npm's
 * undici and Node's own publish) and answers the bench's IPC questions with this process's CPU
 * time, RSS and that count. It changes nothing in the controller.
 */
import { subscribe } from 'node:diagnostics_channel';

let connections = 0;
/** HTTP versions negotiated (ALPN): with HTTP/2 one connection carries many requests. */
const protocols = new Set<string>();
subscribe('undici:client:connected', (message) => {
  connections++;
  const version = (message as { connectParams?: { version?: string } }).connectParams?.version;
  if (version) protocols.add(version);
});

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
    connections,
    protocols: [...protocols],
  });
});
