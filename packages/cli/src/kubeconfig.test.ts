import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatError } from './errors.js';
import { Session } from './session.js';

const options = { executionNamespace: 'roundhouse-workflows', conventions: 'roundhouse' } as const;

/** A kubeconfig of one cluster `kind` (a name two files often share), current context `name`. */
async function kubeconfig(dir: string, name: string, port: number): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: kind, cluster: {server: "https://127.0.0.1:${port}"}}]`,
      `users: [{name: ${name}, user: {token: token-${name}-7f3a}}]`,
      `contexts: [{name: ${name}, context: {cluster: kind, user: ${name}, namespace: ns-${name}}}]`,
      `current-context: ${name}`,
      '',
    ].join('\n'),
  );
  return path;
}

async function open(files: readonly string[], context?: string): Promise<Session | string> {
  try {
    return await Session.open({ ...options, context }, { KUBECONFIG: files.join(delimiter) });
  } catch (error) {
    return formatError(error);
  }
}

describe("KUBECONFIG's files", () => {
  it('are merged as kubectl merges them: missing files passed over, the first name and current-context win', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-kubeconfigs-'));
    const prod = await kubeconfig(dir, 'prod', 6443);
    const dev = await kubeconfig(dir, 'dev', 7443);
    const session = await open([join(dir, 'optional'), prod, dev]);
    if (typeof session === 'string') throw new Error(session);
    expect(session.kubeConfig.getCurrentContext()).toBe('prod');
    expect(session.server).toBe('https://127.0.0.1:6443');
    expect(session.namespace).toBe('ns-prod');
    await session.close();
    // The second file's context is there too, with the first file's cluster of the same name.
    const other = await open([join(dir, 'optional'), prod, dev], 'dev');
    if (typeof other === 'string') throw new Error(other);
    expect(other.namespace).toBe('ns-dev');
    expect(other.server).toBe('https://127.0.0.1:6443');
    await other.close();
  });

  it('that all do not exist, or one that does not load, are named', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-kubeconfigs-'));
    expect(await open([join(dir, 'a'), join(dir, 'b')])).toBe(
      `error: --kubeconfig: none of the files KUBECONFIG lists exists (${join(dir, 'a')}, ${join(dir, 'b')})\n` +
        'fix: pass a readable kubeconfig with --kubeconfig or KUBECONFIG\n',
    );
    const prod = await kubeconfig(dir, 'prod', 6443);
    expect(await open([prod, dir])).toMatch(
      new RegExp(`^error: --kubeconfig: cannot load ${dir}: EISDIR`),
    );
  });

  it("with a removed auth-provider are refused with kubectl's replacement", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-kubeconfigs-'));
    const path = join(dir, 'gke');
    await writeFile(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: gke, cluster: {server: "https://127.0.0.1:6443"}}]',
        'users: [{name: gke-user, user: {auth-provider: {name: gcp, config: {cmd-path: gcloud}}}}]',
        'contexts: [{name: gke, context: {cluster: gke, user: gke-user}}]',
        'current-context: gke',
        '',
      ].join('\n'),
    );
    expect(await open([path])).toBe(
      `error: --kubeconfig: the user "gke-user" of context "gke" in ${path} has the auth-provider "gcp", which kubectl does not run either\n` +
        'fix: use the gke-gcloud-auth-plugin exec credential plugin instead (gcloud container clusters get-credentials writes it into the kubeconfig)\n',
    );
  });
});
