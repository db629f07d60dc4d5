import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import type { KubeConfig } from '@kubernetes/client-node';

/**
 * How long a kubeconfig's exec credential plugin may run. The KubeClient gives up on a request
 * after 30 s and calls that an unreachable cluster; the plugin is stopped first, so the error
 * names it.
 */
export const execPluginLimitMs = 25_000;

/**
 * More than any ExecCredential holds (a token, or a certificate and key): a plugin printing
 * more would fill the memory, every byte of it kept until it ends.
 */
export const execPluginOutputLimitBytes = 1024 * 1024;

/** Why a plugin run was stopped (`gave none within 25 s`), if one was. */
export interface ExecPluginRuns {
  readonly stopped: string | undefined;
}

type Spawn = (command: string, args?: readonly string[], options?: SpawnOptions) => ChildProcess;

/**
 * Bounds the runs of `config`'s exec credential plugin. client-node runs it with no time limit
 * and a stdin that never ends: a plugin that waits (on a prompt nobody sees, an identity
 * provider that does not answer) outlives the request, and its open pipes keep the CLI running
 * after the error is printed, for ever; one that prints without end fills the memory. Here
 * each run gets an empty stdin and a process group of its own, killed whole at the time or
 * output limit (a wrapper script's children hold the pipes too).
 * client-node offers no option for this; its exec authenticator's spawn function is replaced,
 * and a client-node without one is left as it is.
 */
export function limitExecPlugins(config: KubeConfig, limitMs = execPluginLimitMs): ExecPluginRuns {
  const runs: { stopped: string | undefined } = { stopped: undefined };
  const { authenticators } = config as unknown as { authenticators?: unknown };
  const exec = Array.isArray(authenticators)
    ? (authenticators as { execFn?: unknown }[]).find((a) => typeof a?.execFn === 'function')
    : undefined;
  if (!exec) return runs;
  const bounded: Spawn = (command, args = [], options = {}) => {
    const child = spawn(command, args, {
      ...options,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const stop = (why: string) => {
      runs.stopped = why;
      killGroup(child);
    };
    const timer = setTimeout(() => stop(`gave none within ${limitMs / 1000} s`), limitMs);
    let printed = 0;
    const count = (chunk: Buffer | string) => {
      printed += chunk.length;
      if (printed > execPluginOutputLimitBytes) stop('printed more than 1 MiB');
    };
    child.stdout?.on('data', count);
    child.stderr?.on('data', count);
    const done = () => clearTimeout(timer);
    child.on('error', done);
    child.on('close', done);
    return child;
  };
  exec.execFn = bounded;
  return runs;
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is gone already, or was never made: the plugin itself is what is left.
    child.kill('SIGKILL');
  }
}
