import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Informer } from '@roundhouse/controller';
import { KubeClient, type KubeObject } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd, workflowExecutions } from '@roundhouse/workflowexecution';
import { afterEach, beforeAll, expect, it, vi } from 'vitest';
import { cli, cliCommand, inProcess, kubeconfigFile, repoRoot } from './support.js';

/**
 * Runs the CLI until its output holds `ready` (or, for a command that prints nothing while it
 * waits, for `ready` ms), then sends it Ctrl-C's SIGINT; resolves with how it exited and how long
 * that took.
 */
function interrupted(
  args: readonly string[],
  kubeconfig: string,
  ready: string | number,
): Promise<{ code: number | null; output: string; exitMs: number }> {
  const [command, ...rest] = cliCommand(args) as [string, ...string[]];
  const child = spawn(command, rest, {
    cwd: repoRoot,
    env: { ...process.env, KUBECONFIG: kubeconfig },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let sentAt = 0;
  const interrupt = () => {
    if (sentAt) return;
    sentAt = Date.now();
    child.kill('SIGINT');
  };
  if (typeof ready === 'number') {
    // Not before Node has its SIGINT handler: on a loaded machine loading the CLI alone can
    // outlast `ready`, and a SIGINT then kills the process by the default action instead.
    const startedAt = Date.now();
    const poll = setInterval(() => {
      if (Date.now() - startedAt < ready || !catchesSigint(child.pid)) return;
      clearInterval(poll);
      interrupt();
    }, 50);
    child.on('close', () => clearInterval(poll));
  }
  const read = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (typeof ready === 'string' && output.includes(ready)) interrupt();
  };
  child.stdout.on('data', read);
  child.stderr.on('data', read);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output, exitMs: Date.now() - sentAt }));
  });
}

/** Whether the process has a handler for SIGINT (bit 2 of SigCgt in its Linux status). */
function catchesSigint(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return caught !== null && (BigInt(`0x${caught[1]}`) & 2n) !== 0n;
  } catch {
    return false;
  }
}

describeWithControlPlane('kubectl roundhouse watch, interrupted or losing its execution', () => {
  const env = useTestNamespace({ prefix: 'cli-interrupt' });
  let kubeconfig: string;

  beforeAll(async () => {
    kubeconfig = await kubeconfigFile(env.kubeConfig);
    await ensureWorkflowExecutionCrd(new KubeClient(env.kubeConfig));
    // No controller runs here: the execution never starts, so watch and logs -f wait.
    const created = await cli(
      [
        'run',
        '--engine',
        'job',
        '--target',
        'prod/deployment/x',
        '--bundle',
        'registry.invalid/r:1',
        '--name',
        'waits',
      ],
      { kubeconfig },
    );
    expect(created.code).toBe(0);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('watch ends, exit 1, when the execution is deleted between its list and its watch', async () => {
    const client = new KubeClient(env.kubeConfig);
    const name = 'deleted-early';
    const created = await cli(
      [
        'run',
        '--engine',
        'job',
        '--target',
        'prod/deployment/y',
        '--bundle',
        'registry.invalid/r:1',
        '--name',
        name,
      ],
      { kubeconfig },
    );
    expect(created.code).toBe(0);
    // The deletion lands after the CLI listed the execution and before its informer lists:
    // no delete event ever comes. No controller runs here, so no finalizer holds it.
    const start = Informer.prototype.start;
    vi.spyOn(Informer.prototype, 'start').mockImplementation(async function (
      this: Informer<KubeObject>,
    ) {
      await client.delete(workflowExecutions, env.namespace, name);
      return start.call(this);
    });
    const result = await inProcess(['--kubeconfig', kubeconfig, 'watch', name]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${env.namespace}/${name}: deleted before it finished\n`);
    expect(result.stdout).toMatch(/0 completed, 1 failed\n$/);
  });

  it('watch exits 130 at once, without a summary or an error', async () => {
    const result = await interrupted(['watch', 'waits'], kubeconfig, 'waiting for the controller');
    expect(result.code).toBe(130);
    expect(result.exitMs).toBeLessThan(5_000);
    expect(result.output).not.toMatch(/completed|error/);
  });

  it('logs -f waiting for the start exits 130 at once', async () => {
    // It prints nothing while it waits: interrupt once its informer is surely listening.
    const result = await interrupted(['logs', '-f', 'waits'], kubeconfig, 8_000);
    expect(result.code).toBe(130);
    expect(result.exitMs).toBeLessThan(5_000);
    expect(result.output).toBe('');
  });
});
