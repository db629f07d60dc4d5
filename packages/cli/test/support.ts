import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { runCli } from '../src/cli.js';
import { terminal } from '../src/terminal.js';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Writes a kubeconfig to a file of its own, as a user's ~/.kube/config would be. */
export async function kubeconfigFile(config: KubeConfig): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'roundhouse-cli-'));
  const path = join(dir, 'kubeconfig');
  await writeFile(path, config.exportConfig(), { mode: 0o600 });
  return path;
}

/**
 * A scratch directory with a kubeconfig whose server nothing listens on, for tests of what the
 * CLI refuses before sending: anything sent fails as unreachable. `users` and `contexts` replace
 * the default token user and its one context (namespace team-a), as YAML.
 */
export async function unreachableCluster(
  options: { users?: string; contexts?: string } = {},
): Promise<{ dir: string; kubeconfig: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'roundhouse-cli-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const users = options.users ?? 'users: [{ name: u, user: { token: t } }]';
  const contexts =
    options.contexts ??
    'contexts: [{ name: x, context: { cluster: c, user: u, namespace: team-a } }]';
  await writeFile(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:1' } }]
${users}
${contexts}
current-context: x
`,
    { mode: 0o600 },
  );
  return { dir, kubeconfig };
}

/** The command line that runs the CLI from its sources, as the package's bin does in the repo. */
export function cliCommand(args: readonly string[]): string[] {
  return [process.execPath, '--conditions=@roundhouse/source', '--import', 'tsx', main, ...args];
}

/**
 * Runs the CLI as a child process with stdout and stderr on pipes (not a terminal), the way CI
 * runs it. With CLI_DOC_CAPTURE set, each run is appended there for docs/cli.md.
 */
export function cli(
  args: readonly string[],
  options: { kubeconfig: string; env?: Record<string, string> },
): Promise<CliResult> {
  return child(cliCommand(args), options, `kubectl roundhouse ${args.join(' ')}`);
}

/** Runs the `kubectl-task` bin, as kubectl runs the plugin for `kubectl task ...`. */
export function kubectlTask(
  args: readonly string[],
  options: { kubeconfig: string; env?: Record<string, string> },
): Promise<CliResult> {
  return child([process.execPath, taskBin, ...args], options, `kubectl task ${args.join(' ')}`);
}

const taskBin = fileURLToPath(new URL('../bin/kubectl-task.js', import.meta.url));

function child(
  line: readonly string[],
  options: { kubeconfig: string; env?: Record<string, string> },
  shown: string,
): Promise<CliResult> {
  const [command, ...rest] = line as [string, ...string[]];
  const child = spawn(command, rest, {
    cwd: repoRoot,
    env: { ...process.env, KUBECONFIG: options.kubeconfig, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', async (code) => {
      await captureLine(shown, stdout + stderr, code);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function capture(args: readonly string[], output: string, code: number | null) {
  await captureLine(`kubectl roundhouse ${args.join(' ')}`, output, code);
}

async function captureLine(shown: string, output: string, code: number | null) {
  const file = process.env.CLI_DOC_CAPTURE;
  if (!file) return;
  await appendFile(file, `$ ${shown}\n${output}# exit ${code}\n\n`);
}

/**
 * The CLI in this process, so a test can stand in for what this control plane lacks: KWOK's fake
 * node has no kubelet, and the API server would send a pod log request to the node's address,
 * where nothing answers. Everything else is real.
 */
export async function inProcess(
  args: string[],
  executors?: Parameters<typeof runCli>[1]['executors'],
  signal: AbortSignal = new AbortController().signal,
  unclaimedLimitMs?: number,
): Promise<CliResult> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  err.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const code = await runCli(args, {
    term: terminal(out, err, {}),
    env: {},
    signal,
    ...(executors ? { executors } : {}),
    ...(unclaimedLimitMs !== undefined ? { unclaimedLimitMs } : {}),
  });
  await capture(args, stdout + stderr, code);
  return { code, stdout, stderr };
}

/** A shell-quoted command line, for `script -c`. */
export function shellLine(words: readonly string[]): string {
  return words.map((w) => `'${w.replaceAll("'", "'\\''")}'`).join(' ');
}

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), so stdout is a TTY as in a person's
 * shell, and returns everything the terminal received, control sequences included.
 */
export function cliOnTerminal(
  args: readonly string[],
  options: { kubeconfig: string; env?: Record<string, string> },
): Promise<CliResult> {
  // A pseudo-terminal made without one to copy starts at 0x0; give it a real size first.
  const line = `stty rows 40 cols 120; exec ${shellLine(cliCommand(args))}`;
  const child = spawn('script', ['-qec', line, '/dev/null'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      KUBECONFIG: options.kubeconfig,
      TERM: 'xterm-256color',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr: '' }));
  });
}

/** Output with what changes from run to run (durations, generated names, namespaces) fixed. */
export function normalize(text: string, replacements: Record<string, string>): string {
  let out = text;
  for (const [from, to] of Object.entries(replacements)) out = out.replaceAll(from, to);
  return out
    .replace(/wfe-[0-9a-f]{16}(-[a-z0-9]{5})?/g, (_, pod) =>
      pod ? 'wfe-<hash>-<pod>' : 'wfe-<hash>',
    )
    .replace(/\b\d+(m\d+)?s\b/g, '<elapsed>');
}
