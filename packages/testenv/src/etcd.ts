import { join } from 'node:path';
import { freePort, retryOnPortClash } from './ports.js';
import { type ManagedProcess, startProcess, waitUntilReady } from './processes.js';

export interface EtcdPorts {
  client: number;
  peer: number;
}

/** A single-member etcd on loopback that never fsyncs: test data need not survive a crash. */
export function etcdArgs(dataDir: string, ports: EtcdPorts): string[] {
  const client = `http://127.0.0.1:${ports.client}`;
  const peer = `http://127.0.0.1:${ports.peer}`;
  return [
    '--name=testenv',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=testenv=${peer}`,
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
}

export interface Etcd {
  process: ManagedProcess;
  url: string;
}

export async function startEtcd(
  binary: string,
  workDir: string,
  logDir: string,
  timeoutMs: number,
): Promise<Etcd> {
  return retryOnPortClash(async () => {
    const ports = { client: await freePort(), peer: await freePort() };
    const url = `http://127.0.0.1:${ports.client}`;
    const process = await startProcess(
      'etcd',
      binary,
      etcdArgs(join(workDir, 'etcd'), ports),
      join(logDir, 'etcd.log'),
    );
    try {
      await waitUntilReady(process, 'etcd /health', () => etcdHealthy(url), timeoutMs);
    } catch (error) {
      await process.stop(1_000);
      throw error;
    }
    return { process, url };
  });
}

async function etcdHealthy(url: string): Promise<boolean> {
  const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
  const body = (await response.json()) as { health?: unknown };
  return response.ok && body.health === 'true';
}
