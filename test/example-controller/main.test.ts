import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd } from '@roundhouse/workflowexecution';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { apply, manifest, patience, waitForPhase } from '../workflowexecution/harness.js';

const root = new URL('../..', import.meta.url).pathname;

/** The controller as it runs in its Deployment: its own process, configured by flags. */
describeWithControlPlane('the controller process', () => {
  const env = useTestNamespace({ prefix: 'wfe-main' });
  let dir: string;
  let child: ChildProcess;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    await ensureWorkflowExecutionCrd(new KubeClient(env.kubeConfig));
    const executionNamespace = await env.controlPlane.createNamespace('wfe-main-exec');
    dir = mkdtempSync(join(tmpdir(), 'roundhouse-main-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, env.kubeConfig.exportConfig(), { mode: 0o600 });
    child = spawn(
      join(root, 'node_modules/.bin/tsx'),
      [
        '--conditions=@roundhouse/source',
        join(root, 'examples/workflowexecution-controller/src/main.ts'),
        `--kubeconfig=${kubeconfig}`,
        '--engines=job',
        `--watch-namespace=${env.namespace}`,
        `--execution-namespace=${executionNamespace}`,
        '--health-port=0',
        '--health-host=127.0.0.1',
        '--cooldown=1m',
        '--allowed-bundles=registry.invalid/*',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        lines.push(JSON.parse(buffer.slice(0, i)));
        buffer = buffer.slice(i + 1);
      }
    });
  });

  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const port = () => lines.find((l) => l.msg === 'starting')?.port as number | undefined;

  it('becomes ready, runs an execution, exports metrics and stops cleanly on SIGTERM', async () => {
    await vi.waitFor(async () => {
      expect(port()).toBeDefined();
      expect((await fetch(`http://127.0.0.1:${port()}/readyz`)).status).toBe(200);
    }, patience);
    expect((await fetch(`http://127.0.0.1:${port()}/healthz`)).status).toBe(200);

    const client = new KubeClient(env.kubeConfig);
    const wfe = await apply(client, env.namespace, manifest());
    await waitForPhase(client, env.namespace, wfe.metadata.name, 'Completed');

    const metrics = await (await fetch(`http://127.0.0.1:${port()}/metrics`)).text();
    expect(metrics).toMatch(/reconcile_total\{[^}]*controller="workflowexecution"[^}]*\} [1-9]/);

    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(lines.at(-1)?.msg).toBe('stopped');
  });
});
