import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { cgroupDirectory, taskCgroupName, unifiedCgroupPath } from '../src/cgroup-paths.js';
import { TaskCgroups } from '../src/task-cgroups.js';

/** How long and how often tests poll for something a process does. */
export const patience = { timeout: 30_000, interval: 50 };

/** A fresh directory under the system temp dir, and a way to remove it. */
export function temporaryDirectory(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `roundhouse-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * An executable shell script at `path` running `script`: a bundle the engines run without
 * `engineConfig.args`, which need `allowCommandOverride`.
 */
export function writeBundle(path: string, script: string): string {
  writeFileSync(path, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return path;
}

/**
 * One process, told apart from a later one that reuses its pid (pids wrap quickly on test
 * machines: pid_max may be 32768) by its start time.
 */
export interface ProcessRef {
  readonly pid: number;
  readonly startTicks: string;
}

function stat(pid: number): { state: string; startTicks: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] as string, startTicks: fields[19] as string };
  } catch {
    return undefined;
  }
}

/** The process that has this pid now. */
export function processRef(pid: number): ProcessRef {
  const found = stat(pid);
  if (!found) throw new Error(`no process ${pid}`);
  return { pid, startTicks: found.startTicks };
}

/** The process whose pid a task writes to a file, once the whole pid and its newline are there. */
export async function processFrom(path: string): Promise<ProcessRef> {
  const pid = await vi.waitFor(() => {
    const content = existsSync(path) ? readFileSync(path, 'utf8') : '';
    if (!/^\d+\n$/.test(content)) throw new Error(`no pid in ${path} yet`);
    return Number(content.trim());
  }, patience);
  return processRef(pid);
}

/** Whether this very process still runs (a zombie does not). */
export function isAlive(ref: ProcessRef): boolean {
  const found = stat(ref.pid);
  return found !== undefined && found.startTicks === ref.startTicks && found.state !== 'Z';
}

/**
 * Test cleanup: kills a task's process group, but only while its leader is still the recorded
 * shim. A stale pid may by now lead another test's group.
 */
export function killTaskGroup(runtime: ProcessRef | undefined): void {
  if (!runtime || !isAlive(runtime)) return;
  try {
    process.kill(-runtime.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * Where an agent this process starts makes a task's cgroup (in its own, which it inherits), or
 * undefined where it may make none (see task-cgroups.ts).
 */
export async function taskCgroupDirectory(uid: string): Promise<string | undefined> {
  if ((await TaskCgroups.open('/proc')).unavailable) return undefined;
  const path = unifiedCgroupPath(readFileSync('/proc/self/cgroup', 'utf8')) ?? '';
  const parent = cgroupDirectory(path, readFileSync('/proc/self/mountinfo', 'utf8'));
  return parent === undefined ? undefined : join(parent, taskCgroupName(uid));
}
