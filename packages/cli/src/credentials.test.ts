import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcess, unreachableCluster } from '../test/support.js';

let dir: string;
let configDir: string;
let kubeconfig: string;
let plugin: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roundhouse-cli-plugin-'));
  plugin = join(dir, 'login.sh');
  // A plugin that fails after a debug line holding the token it was about to hand over.
  await writeFile(plugin, '#!/bin/sh\necho "debug: token=plugin-token-93ad" >&2\nexit 1\n');
  await chmod(plugin, 0o755);
  ({ dir: configDir, kubeconfig } = await unreachableCluster({
    users: `users:
- name: dev
  user:
    exec: { apiVersion: client.authentication.k8s.io/v1, command: ${plugin}, interactiveMode: Never }`,
    contexts: 'contexts: [{ name: x, context: { cluster: c, user: dev, namespace: team-a } }]',
  }));
});
afterAll(async () => {
  for (const d of [dir, configDir]) await rm(d, { recursive: true, force: true });
});

describe('a credential plugin that fails', () => {
  it('is named with a fix, and what it printed (which may hold a token) is not repeated', async () => {
    const result = await inProcess(['--kubeconfig', kubeconfig, 'get']);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        `error: the kubeconfig user "dev" (context x) gave no credentials: its exec plugin "${plugin}" failed (what it printed is not repeated: it may hold a token)\n` +
        `fix: run "${plugin}" yourself to see why and log in again, or pick another context with --context\n`,
    });
    expect(result.stderr).not.toContain('plugin-token-93ad');
  });
});

describe('a file the kubeconfig names that cannot be read', () => {
  it('is named, with the kubeconfig that names it, not taken for a credential plugin', async () => {
    const path = join(dir, 'kubeconfig-ca');
    await writeFile(
      path,
      `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:1', certificate-authority: ${dir}/missing-ca.crt } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u, namespace: team-a } }]
current-context: x
`,
      { mode: 0o600 },
    );
    expect(await inProcess(['--kubeconfig', path, 'get'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        `error: --kubeconfig: cannot read ${dir}/missing-ca.crt, which ${path} names: ENOENT\n` +
        'fix: correct the path in the kubeconfig (kubectl config view --minify shows the context), or pick another context with --context\n',
    });
  });
});
