import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeClient } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd } from '@roundhouse/workflowexecution';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apply, manifest, patience, waitForPhase } from '../workflowexecution/harness.js';
import { ControllerProcess, unusedPort } from './controller-process.js';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const guide = readFileSync(join(root, 'docs/getting-started.md'), 'utf8');

/** The TypeScript blocks of the guide's section under `heading`, in order. */
function codeBlocks(heading: string): string[] {
  const start = guide.indexOf(`\n## ${heading}\n`);
  const end = guide.indexOf('\n## ', start + 1);
  const section = guide.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
}

const [controllerCode = ''] = codeBlocks('A controller in 40 lines');
const [configCode = '', testCode = ''] = codeBlocks('Test it against a real API server');

// Inside the repository, so the guide's imports resolve to this checkout's packages.
mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
const dir = mkdtempSync(join(root, 'node_modules/.cache/roundhouse-getting-started-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// A project of its own, ESM as the guide requires.
writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
writeFileSync(join(dir, 'controller.ts'), controllerCode);
writeFileSync(join(dir, 'vitest.config.ts'), configCode);
writeFileSync(join(dir, 'controller.test.ts'), testCode);

/** docs/getting-started.md's code, as a user copies it. */
describe('the getting-started guide', () => {
  it('has a controller of at most 40 lines, and a test setup', () => {
    expect(controllerCode.trimEnd().split('\n').length).toBeLessThanOrEqual(40);
    expect(configCode).toContain('@roundhouse/testenv/global-setup');
    expect(testCode).toContain('describeWithControlPlane');
  });

  it('type-checks as it is written', async () => {
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(root, 'tsconfig.base.json'),
        compilerOptions: { noEmit: true, customConditions: ['@roundhouse/source'] },
        files: ['controller.ts', 'vitest.config.ts', 'controller.test.ts'],
      }),
    );
    const errors = await run(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir],
      { timeout: 300_000 },
    ).then(
      () => '',
      (error: { stdout?: string; message: string }) => error.stdout || error.message,
    );
    expect(errors).toBe('');
  }, 300_000);
});

describeWithControlPlane("the getting-started guide's controller", () => {
  const env = useTestNamespace({ prefix: 'getting-started' });
  let controller: ControllerProcess;

  beforeAll(async () => {
    const admin = new KubeClient(env.kubeConfig);
    await ensureWorkflowExecutionCrd(admin);
    const executionNamespace = await env.controlPlane.createNamespace('getting-started-exec');
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, env.kubeConfig.exportConfig(), { mode: 0o600 });
    const port = await unusedPort();
    controller = new ControllerProcess(
      join(root, 'node_modules/.bin/tsx'),
      ['--conditions=@roundhouse/source', join(dir, 'controller.ts')],
      {
        port,
        env: {
          PATH: process.env.PATH,
          KUBECONFIG: kubeconfig,
          EXECUTION_NAMESPACE: executionNamespace,
          WATCH_NAMESPACE: env.namespace,
          HEALTH_PORT: String(port),
        },
      },
    );
  });

  afterAll(() => controller?.kill());

  it('runs a WorkflowExecution to Completed and stops on SIGTERM', async () => {
    await vi.waitFor(async () => {
      expect((await controller.get('/readyz')).status, controller.stderr).toBe(200);
    }, patience);
    const admin = new KubeClient(env.kubeConfig);
    const wfe = await apply(
      admin,
      env.namespace,
      manifest({ bundle: 'registry.example.com/workflows/restart:1' }),
    );
    await waitForPhase(admin, env.namespace, wfe.metadata.name, 'Completed');
    expect(await controller.stop()).toBe(0);
  });
});
