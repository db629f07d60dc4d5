import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { ControllerProcess, unusedPort } from './controller-process.js';

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'roundhouse-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The controller from source, as `npm run demo` runs it; nothing to build first. */
function controller(args: string[], env: NodeJS.ProcessEnv = {}): ControllerProcess {
  return new ControllerProcess(
    join(root, 'node_modules/.bin/tsx'),
    [
      '--conditions=@roundhouse/source',
      join(root, 'examples/workflowexecution-controller/src/main.ts'),
      ...args,
    ],
    { env: { PATH: process.env.PATH, HOME: join(dir, 'home'), ...env } },
  );
}

function kubeconfig(name: string, server: string, user: Record<string, string>): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  );
  return path;
}

/** The one line a failed start logs, after the process ended. */
async function failure(process: ControllerProcess) {
  expect(await process.closed).toBe(1);
  expect(process.lines).toHaveLength(1);
  expect(process.lines[0]).toMatchObject({ level: 'fatal' });
  return process.lines[0]?.msg as string;
}

describe('the controller command line', () => {
  it('prints its flags with --help and exits 0', async () => {
    const help = controller(['--help']);
    expect(await help.closed).toBe(0);
    expect(help.stdout).toMatch(/^Usage: workflowexecution-controller \[flags\]/);
    expect(help.stdout).toMatch(/--leader-elect\s+run one active replica/);
    expect(help.stderr).toBe('');
  });

  it('names every bad flag on stderr and exits 2', async () => {
    const bad = controller(['--engines=job,argo', '--leader-elect=maybe', '--frobnicate']);
    expect(await bad.closed).toBe(2);
    expect(bad.stderr).toMatch(/invalid flags\n/);
    expect(bad.stderr).toMatch(/\n {2}--frobnicate: unknown flag; the flags are --kubeconfig, /);
    expect(bad.stderr).toMatch(/\n {2}--engines: /);
    expect(bad.stderr).toMatch(/\n {2}--leader-elect: must be true or false\n/);
    expect(bad.lines).toEqual([]);
  });

  it('stops at once with one clear line when there is no kubeconfig, instead of trying localhost', async () => {
    expect(await failure(controller([]))).toMatch(
      /^cannot run: --kubeconfig: no kubeconfig found: pass --kubeconfig, set KUBECONFIG/,
    );
    expect(await failure(controller([], { KUBECONFIG: join(dir, 'missing') }))).toBe(
      `cannot run: --kubeconfig: ${join(dir, 'missing')} does not exist`,
    );
  });

  it('stops with one clear line when the API server cannot be reached', async () => {
    const server = `https://127.0.0.1:${await unusedPort()}`;
    const message = await failure(
      controller([`--kubeconfig=${kubeconfig('unreachable', server, { token: 't' })}`]),
    );
    expect(message).toMatch(`cannot use the API server at ${server}`);
    expect(message).toMatch(/ECONNREFUSED/);
  });
});

describeWithControlPlane('the controller command line against a real API server', () => {
  const env = useTestNamespace({ prefix: 'wfe-cli' });

  it('stops with one clear line when the API server refuses its credentials', async () => {
    const server = env.kubeConfig.getCurrentCluster()?.server as string;
    const path = kubeconfig('refused', server, { token: 'not-a-token' });
    expect(await failure(controller([`--kubeconfig=${path}`]))).toMatch(
      `the API server at ${server} refused the kubeconfig's credentials`,
    );
  });
});
