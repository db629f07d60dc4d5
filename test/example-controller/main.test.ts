import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd } from '@roundhouse/workflowexecution';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { apply, manifest, patience, waitForPhase } from '../workflowexecution/harness.js';
import { ControllerProcess } from './controller-process.js';

const root = new URL('../..', import.meta.url).pathname;

/** The controller as it runs in its Deployment: its own process, configured by flags. */
describeWithControlPlane('the controller process', () => {
  const env = useTestNamespace({ prefix: 'wfe-main' });
  let dir: string;
  let controller: ControllerProcess;

  beforeAll(async () => {
    await ensureWorkflowExecutionCrd(new KubeClient(env.kubeConfig));
    const executionNamespace = await env.controlPlane.createNamespace('wfe-main-exec');
    dir = mkdtempSync(join(tmpdir(), 'roundhouse-main-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, env.kubeConfig.exportConfig(), { mode: 0o600 });
    controller = new ControllerProcess(join(root, 'node_modules/.bin/tsx'), [
      '--conditions=@roundhouse/source',
      join(root, 'examples/workflowexecution-controller/src/main.ts'),
      `--kubeconfig=${kubeconfig}`,
      `--watch-namespace=${env.namespace}`,
      `--execution-namespace=${executionNamespace}`,
      '--health-port=0',
      '--health-host=127.0.0.1',
      '--cooldown=1m',
      '--allowed-bundles=registry.invalid/*',
    ]);
  });

  afterAll(async () => {
    controller?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('becomes ready with the job engine alone, runs an execution, exports metrics and stops cleanly on SIGTERM', async () => {
    await vi.waitFor(async () => {
      expect(controller.port, controller.stderr).toBeDefined();
      expect((await controller.get('/readyz')).status).toBe(200);
    }, patience);
    expect((await controller.get('/healthz')).status).toBe(200);
    expect(controller.lines.find((l) => l.msg === 'starting')?.engines).toEqual(['job']);

    const client = new KubeClient(env.kubeConfig);
    const wfe = await apply(client, env.namespace, manifest());
    await waitForPhase(client, env.namespace, wfe.metadata.name, 'Completed');

    const metrics = await (await controller.get('/metrics')).text();
    expect(metrics).toMatch(
      /controller_runtime_reconcile_total\{controller="workflowexecution",[^}]*\} [1-9]/,
    );

    expect(await controller.stop()).toBe(0);
    expect(controller.lines.at(-1)?.msg).toBe('stopped');
  });
});
