import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessStartError } from './errors.js';
import { waitFor } from './poll.js';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process this package started; it is only ever signalled by its own PID. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Set once the process has exited. */
  readonly exit: ProcessExit | undefined;
  readonly exited: Promise<ProcessExit>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `command` with stdout and stderr appended to `logPath`; `env` adds to this process's
 * environment.
 */
export async function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  logPath: string,
  env: Readonly<Record<string, string>> = {},
): Promise<ManagedProcess> {
  const fd = openSync(logPath, 'a');
  const child = spawn(command, args, {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...env },
  });
  closeSync(fd);
  try {
    await once(child, 'spawn');
  } catch (error) {
    throw new ProcessStartError(
      name,
      `could not be started (${(error as Error).message})`,
      logPath,
      '',
    );
  }
  const pid = child.pid;
  if (pid === undefined) throw new ProcessStartError(name, 'has no PID', logPath, '');
  let exit: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  return {
    name,
    pid,
    logPath,
    get exit() {
      return exit;
    },
    exited,
    async stop(graceMs = 10_000) {
      if (exit) return;
      signal(pid, 'SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!done) {
        signal(pid, 'SIGKILL');
        await exited;
      }
    },
  };
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Kills the given processes at once, synchronously: for a parent that is exiting anyway. */
export function killNow(processes: readonly ManagedProcess[]): void {
  for (const p of processes) if (!p.exit) signal(p.pid, 'SIGKILL');
}

const terminatingSignals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * Kills `processes` if this Node process exits, or is told to terminate, before they are stopped:
 * children outlive their parent, and an orphaned kube-apiserver would run until reboot. Then
 * runs `cleanUp`, which must be synchronous. Returns the function that removes these handlers.
 */
export function killWithParent(
  processes: readonly ManagedProcess[],
  cleanUp: () => void,
): () => void {
  const onExit = () => {
    killNow(processes);
    cleanUp();
  };
  const onSignal = (received: NodeJS.Signals) => {
    onExit();
    dispose();
    // Listening to a signal disables its default action; with no other listener left, raising it
    // again gives the sender the termination it asked for.
    if (process.listenerCount(received) === 0) process.kill(process.pid, received);
  };
  const dispose = () => {
    process.off('exit', onExit);
    for (const s of terminatingSignals) process.off(s, onSignal);
  };
  process.once('exit', onExit);
  for (const s of terminatingSignals) process.on(s, onSignal);
  return dispose;
}

/**
 * Polls `probe` until `processes` are ready. If one of them exits first, the error names it and
 * carries its log tail, which is where the reason is; on a timeout the first one is blamed.
 */
export async function waitUntilReady<T>(
  processes: ManagedProcess | readonly ManagedProcess[],
  description: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
): Promise<T> {
  const watched = Array.isArray(processes) ? processes : [processes as ManagedProcess];
  try {
    return await waitFor(description, probe, {
      timeoutMs,
      abortIf: () => {
        if (watched.some((p) => p.exit)) throw new Error('exited');
      },
    });
  } catch (error) {
    const dead = watched.find((p) => p.exit);
    const blamed = dead ?? watched[0];
    if (!blamed) throw error;
    const reason = dead?.exit
      ? `exited during start-up (${dead.exit.signal ? `signal ${dead.exit.signal}` : `code ${dead.exit.code}`})`
      : `did not become ready: ${(error as Error).message}`;
    throw new ProcessStartError(blamed.name, reason, blamed.logPath, await logTail(blamed.logPath));
  }
}

/** The last `count` non-empty lines of `text`. */
export function lastLines(text: string, count: number): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-count)
    .join('\n');
}

export async function logTail(logPath: string, count = 25): Promise<string> {
  try {
    return lastLines(await readFile(logPath, 'utf8'), count);
  } catch {
    return '(no log)';
  }
}
