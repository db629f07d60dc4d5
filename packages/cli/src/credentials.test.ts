import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cli, inProcess, unreachableCluster } from '../test/support.js';
import { guardedClusterConfig } from './credentials.js';
import { formatError } from './errors.js';
import { loadCliKubeConfig } from './kubeconfig.js';

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
      code: 1,
      stdout: '',
      stderr:
        `error: the kubeconfig user "dev" (context x) gave no credentials: its exec plugin "${plugin}" failed (what it printed is not repeated: it may hold a token)\n` +
        `fix: run "${plugin}" yourself to see why and log in again, or pick another context with --context\n`,
    });
    expect(result.stderr).not.toContain('plugin-token-93ad');
  });

  it("does not let what it writes to standard error through to the CLI's", async () => {
    const result = await cli(['get'], { kubeconfig });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`its exec plugin "${plugin}" failed`);
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
      code: 1,
      stdout: '',
      stderr:
        `error: --kubeconfig: cannot read ${dir}/missing-ca.crt, which ${path} names: ENOENT\n` +
        'fix: correct the path in the kubeconfig (kubectl config view --minify shows the context), or pick another context with --context\n',
    });
  });
});

describe('a credential plugin that does not answer', () => {
  it('is stopped with what it started, and named, instead of keeping the CLI running for ever', async () => {
    const waiting = join(dir, 'waiting.sh');
    const pids = join(dir, 'waiting.pids');
    // A wrapper script whose child holds the pipes too, as a login helper's would.
    await writeFile(waiting, `#!/bin/sh\nsleep 1000 &\necho "$$ $!" > ${pids}\nwait\n`);
    await chmod(waiting, 0o755);
    const { dir: hangDir, kubeconfig: hanging } = await unreachableCluster({
      users: `users: [{ name: dev, user: { exec: { apiVersion: client.authentication.k8s.io/v1, command: ${waiting}, interactiveMode: Never } } }]`,
      contexts: 'contexts: [{ name: x, context: { cluster: c, user: dev } }]',
    });
    const config = await loadCliKubeConfig({ kubeconfig: hanging }, {}, 300);
    const failure = await guardedClusterConfig(config, hanging, 300)
      .applyToHTTPSOptions({})
      .catch((error: unknown) => error);
    expect(formatError(failure)).toBe(
      `error: the kubeconfig user "dev" (context x) gave no credentials: its exec plugin "${waiting}" gave none within 0.3 s and was stopped (what it printed is not repeated: it may hold a token)\n` +
        `fix: run "${waiting}" yourself to see why and log in again, or pick another context with --context\n`,
    );
    const started = (await readFile(pids, 'utf8')).trim().split(' ').map(Number);
    expect(started).toHaveLength(2);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await vi.waitFor(() => expect(started.filter(alive)).toEqual([]), { timeout: 10_000 });
    await rm(hangDir, { recursive: true, force: true });
  });

  it('is stopped once it has printed more than any credential holds', async () => {
    const chatty = join(dir, 'chatty.sh');
    await writeFile(chatty, '#!/bin/sh\nexec yes token-0123456789\n');
    await chmod(chatty, 0o755);
    const { dir: chattyDir, kubeconfig: endless } = await unreachableCluster({
      users: `users: [{ name: dev, user: { exec: { apiVersion: client.authentication.k8s.io/v1, command: ${chatty}, interactiveMode: Never } } }]`,
      contexts: 'contexts: [{ name: x, context: { cluster: c, user: dev } }]',
    });
    const result = await inProcess(['--kubeconfig', endless, 'get']);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(
      new RegExp(`^error: .*its exec plugin "${chatty}" printed more than 1 MiB and was stopped `),
    );
    await rm(chattyDir, { recursive: true, force: true });
  });

  it('that cannot be run is named by its command, not as a file to read', async () => {
    const { dir: missingDir, kubeconfig: missing } = await unreachableCluster({
      users: `users: [{ name: dev, user: { exec: { apiVersion: client.authentication.k8s.io/v1, command: ${dir}/no-such-plugin, interactiveMode: Never } } }]`,
      contexts: 'contexts: [{ name: x, context: { cluster: c, user: dev } }]',
    });
    expect(await inProcess(['--kubeconfig', missing, 'get'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `error: --kubeconfig: the exec plugin "${dir}/no-such-plugin" of user dev in ${missing} cannot be run: ENOENT\n` +
        `fix: install "${dir}/no-such-plugin" (or put it on PATH), or correct users[].user.exec.command in the kubeconfig, or pick another context with --context\n`,
    });
    await rm(missingDir, { recursive: true, force: true });
  });
});
