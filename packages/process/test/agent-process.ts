import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { vi } from 'vitest';
import { patience } from './support.js';

const root = new URL('../../..', import.meta.url).pathname;
const cli = new URL('../src/cli.ts', import.meta.url).pathname;

export interface AgentProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Every JSON log line so far, stdout and stderr. */
  readonly lines: Record<string, unknown>[];
  /** Everything written to stderr, JSON or not. */
  stderr(): string;
}

/**
 * Runs `roundhouse-task-executor` as its own process, as it runs in a pod: node itself (not a
 * wrapper that would survive a SIGKILL), loading the TypeScript sources through tsx.
 */
export async function spawnAgent(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<AgentProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@roundhouse/source', cli, ...args],
    { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  const collect = (stream: NodeJS.ReadableStream, raw?: (text: string) => void) => {
    let buffer = '';
    stream.on('data', (chunk: Buffer) => {
      raw?.(chunk.toString());
      buffer += chunk.toString();
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        if (line.startsWith('{')) lines.push(JSON.parse(line));
      }
    });
  };
  collect(child.stdout!);
  collect(child.stderr!, (text) => {
    stderr += text;
  });
  const port = await vi.waitFor(() => {
    if (child.exitCode !== null)
      throw new Error(`the agent exited with ${child.exitCode}: ${stderr}`);
    const listening = lines.find((l) => l.msg === 'listening');
    expectDefined(listening);
    return listening.port as number;
  }, patience);
  return { child, url: `http://127.0.0.1:${port}`, lines, stderr: () => stderr };
}

/** Kills the agent with `signal` and waits until it has exited; resolves with its exit code. */
export async function killAgent(
  agent: AgentProcess,
  signal: NodeJS.Signals,
): Promise<number | null> {
  if (agent.child.exitCode !== null || agent.child.signalCode !== null) return agent.child.exitCode;
  const exited = once(agent.child, 'exit');
  agent.child.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}

function expectDefined<T>(value: T | undefined): asserts value is T {
  if (value === undefined) throw new Error('not yet');
}
