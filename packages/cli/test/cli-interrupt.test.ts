import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Informer } from '@roundhouse/controller';
import { KubeClient, type KubeObject } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd, workflowExecutions } from '@roundhouse/workflowexecution';
import { afterEach, beforeAll, expect, it, onTestFinished, vi } from 'vitest';
import { cli, cliCommand, inProcess, kubeconfigFile, repoRoot } from './support.js';

/**
 * Runs the CLI until its output holds `ready` (or, for a command that prints nothing while it
 * waits, for `ready` ms and until its SIGINT handler is in place), then sends it Ctrl-C's SIGINT;
 * resolves with how it exited. A command that did not stop on it never exits, and the test times
 * out.
 */
function interrupted(
  args: readonly string[],
  kubeconfig: string,
  ready: string | number,
): Promise<{ code: number | null; output: string }> {
  const [node, ...rest] = cliCommand(args) as [string, ...string[]];
  const child = spawn(node, ['--import', sigintReady, ...rest], {
    cwd: repoRoot,
    env: { ...process.env, KUBECONFIG: kubeconfig },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  // A CLI that missed the interrupt would otherwise outlive the test that timed out on it.
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let output = '';
  let sent = false;
  const interrupt = () => {
    if (sent) return;
    sent = true;
    child.kill('SIGINT');
  };
  if (typeof ready === 'number') {
    // Before the CLI's handler, a SIGINT ends the process by Node's default action instead.
    const handled = new Promise<void>((resolve) => child.stdio[3]?.once('data', () => resolve()));
    const waited = new Promise<void>((resolve) => setTimeout(resolve, ready));
    void Promise.all([handled, waited]).then(interrupt);
  }
  const read = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (typeof ready === 'string' && output.includes(ready)) interrupt();
  };
  child.stdout?.on('data', read);
  child.stderr?.on('data', read);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

const sigintReady = fileURLToPath(new URL('./sigint-ready.mjs', import.meta.url));

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
    // It may have changed between the two lists: what it ended as is not known.
    expect(result.stdout).toContain(
      `${env.namespace}/${name}: deleted, final state not seen (last seen with no status)\n`,
    );
    expect(result.stdout).toMatch(/0 completed, 1 failed\n$/);
  });

  it('watch exits 130 at once, without a summary or an error', async () => {
    const result = await interrupted(['watch', 'waits'], kubeconfig, 'waiting for the controller');
    expect(result.code).toBe(130);
    expect(result.output).not.toMatch(/completed|error/);
  });

  it.each(['logs -f', 'watch'])(
    '%s interrupted while it was still starting exits 130 instead of waiting on',
    async (command) => {
      // Ctrl-C came before the command reached its wait; without a controller the execution never
      // starts, so a wait that missed the interrupt would never end.
      const result = await inProcess(
        ['--kubeconfig', kubeconfig, ...command.split(' '), 'waits'],
        undefined,
        AbortSignal.abort(),
      );
      expect(result.code).toBe(130);
      expect(result.stderr).not.toMatch(/error/i);
    },
  );

  it('logs -f waiting for the start exits 130 at once', async () => {
    // It prints nothing while it waits: interrupt once its informer is surely listening.
    const result = await interrupted(['logs', '-f', 'waits'], kubeconfig, 8_000);
    expect(result.code).toBe(130);
    expect(result.output).toBe('');
  });
});
