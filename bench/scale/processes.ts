import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ControlPlane } from '@roundhouse/testenv';
import type { Sample } from './scenario.js';

/** A controller the bench started as a process of its own. */
export interface ControllerProcess {
  readonly pid: number;
  /** With `gc`, a Node controller collects garbage first, so RSS is not last second's garbage. */
  sample(options?: { gc?: boolean }): Promise<Sample>;
  /** SIGTERM, then SIGKILL after 15 s; only this process, by its PID. */
  stop(): Promise<void>;
}

/**
 * Waits until the controller uses under 2 % of a core for two half-second intervals in a row
 * (caches synced, start-up work done), at most `timeoutMs`. Returns whether it got there.
 */
export async function waitQuiet(
  controller: ControllerProcess,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let last = (await controller.sample()).cpuMs;
  let quiet = 0;
  while (Date.now() < deadline) {
    await sleep(500);
    const now = (await controller.sample()).cpuMs;
    quiet = now - last < 10 ? quiet + 1 : 0;
    if (quiet >= 2) return true;
    last = now;
  }
  return false;
}

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system) and RSS of any process from /proc, as for the Go reference. */
export async function procSample(pid: number): Promise<Sample> {
  const [stat, status] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf8'),
    readFile(`/proc/${pid}/status`, 'utf8'),
  ]);
  // Fields after the command name, which may hold spaces, closed by the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKiB = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? Number.NaN);
  return { cpuMs: (ticks * 1000) / clockTicks, rssBytes: rssKiB * 1024 };
}

/**
 * CPU time so far of each process of the control plane (etcd, kube-apiserver, the controller
 * manager, the scheduler, KWOK), by name: the work a scenario gave the plane, which runs on the
 * same cores as the controller.
 */
export async function planeCpuMs(plane: ControlPlane): Promise<Record<string, number>> {
  const processes = plane.processes();
  const samples = await Promise.all(processes.map((p) => procSample(p.pid)));
  return Object.fromEntries(processes.map((p, i) => [p.name, samples[i]?.cpuMs ?? Number.NaN]));
}

/** The most RSS the process ever had (VmHWM): what a container memory limit must cover. */
export async function peakRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? Number.NaN) * 1024;
}

/** A free loopback port for a controller's health server. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** Resolves when the process exited, or after `ms`; whether it exited. */
export function exited(
  child: import('node:child_process').ChildProcess,
  ms: number,
): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
