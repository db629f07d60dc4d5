import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ConfigurationError } from '@roundhouse/core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from './kubeconfig.js';

const dir = mkdtempSync(join(tmpdir(), 'roundhouse-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(name: string, options: { context: string; server?: string }): string {
  const path = join(dir, name);
  const cluster = options.server
    ? `clusters: [{name: ${options.context}, cluster: {server: "${options.server}"}}]\n`
    : 'clusters: []\n';
  writeFileSync(
    path,
    'apiVersion: v1\nkind: Config\n' +
      cluster +
      `users: [{name: ${options.context}, user: {token: t}}]\n` +
      `contexts: [{name: ${options.context}, context: {cluster: ${options.context}, user: ${options.context}}}]\n` +
      `current-context: ${options.context}\n`,
  );
  return path;
}

async function messageOf(load: () => Promise<unknown>): Promise<string> {
  const error = await load().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigurationError);
  return (error as Error).message;
}

describe('loadKubeConfig', async () => {
  const dev = kubeconfig('dev', { context: 'dev', server: 'https://dev.example.com:6443' });

  it('loads the given file, and merges a KUBECONFIG list with the first file deciding the context', async () => {
    const prod = kubeconfig('prod', { context: 'prod', server: 'https://prod.example.com' });
    expect((await loadKubeConfig({ path: dev, env: {} })).getCurrentCluster()?.server).toBe(
      'https://dev.example.com:6443',
    );
    const merged = await loadKubeConfig({ path: [prod, dev].join(delimiter), env: {} });
    expect(merged.getCurrentContext()).toBe('prod');
    expect(merged.getCurrentCluster()?.server).toBe('https://prod.example.com');
  });

  it('falls back to ~/.kube/config, then to the pod ServiceAccount', async () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.kube'), { recursive: true });
    kubeconfig('home/.kube/config', { context: 'home', server: 'https://home.example.com' });
    expect((await loadKubeConfig({ home, env: {} })).getCurrentContext()).toBe('home');
    const inCluster = await loadKubeConfig({
      home: join(dir, 'nowhere'),
      env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
      exists: (path) => path.endsWith('serviceaccount/token'),
    });
    expect(inCluster.getCurrentCluster()?.server).toBe('https://10.96.0.1:443');
  });

  it('says so when there is no kubeconfig at all, instead of trying localhost:8080', async () => {
    expect(await messageOf(() => loadKubeConfig({ home: join(dir, 'nowhere'), env: {} }))).toMatch(
      /no kubeconfig found: pass --kubeconfig, set KUBECONFIG/,
    );
  });

  it('names a missing file, a file that is no kubeconfig, and a context without a cluster', async () => {
    // kubernaut UT-WE-674-001: a file the operator names that does not exist is an error, not
    // silent defaults. Its file is the controller's config; this controller takes flags and
    // environment only, and the kubeconfig is the file it is told to read.
    expect(await messageOf(() => loadKubeConfig({ path: join(dir, 'missing'), env: {} }))).toBe(
      `--kubeconfig: ${join(dir, 'missing')} does not exist`,
    );
    const garbage = join(dir, 'garbage');
    writeFileSync(garbage, 'clusters: [\n');
    expect(await messageOf(() => loadKubeConfig({ path: garbage, env: {} }))).toMatch(
      new RegExp(`^--kubeconfig: ${garbage} is not a usable kubeconfig: [^\\n]+$`),
    );
    const orphan = kubeconfig('orphan', { context: 'orphan' });
    expect(await messageOf(() => loadKubeConfig({ path: orphan, env: {} }))).toBe(
      '--kubeconfig: current-context "orphan" names no cluster in the kubeconfig',
    );
  });
});
