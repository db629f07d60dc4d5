import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conventionsPresets } from '@roundhouse/core';
import { KubernetesApiError, resources } from '@roundhouse/kube';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inProcess } from '../test/support.js';
import { formatError } from './errors.js';
import { conventionsOf, type GlobalOptions, Session } from './session.js';

const options = { executionNamespace: 'roundhouse-workflows', conventions: 'roundhouse' } as const;

async function kubeconfig(text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'cli-session-')), 'config');
  await writeFile(path, text, { mode: 0o600 });
  return path;
}

/** What the CLI prints when opening a session with these settings fails; 'opened' when it does not. */
async function openingError(
  settings: Partial<GlobalOptions>,
  env: Record<string, string> = {},
): Promise<string> {
  try {
    await (await Session.open({ ...options, ...settings }, env)).close();
  } catch (error) {
    return formatError(error);
  }
  return 'opened';
}

describe('Session', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('says no kubeconfig was found, instead of failing each request against localhost:8080', async () => {
    vi.stubEnv('KUBECONFIG', '');
    vi.stubEnv('HOME', await mkdtemp(join(tmpdir(), 'cli-home-')));
    expect(await openingError({})).toBe(
      'error: --kubeconfig: no kubeconfig found: KUBECONFIG is not set, ~/.kube/config does not exist and this is not a pod with a ServiceAccount\n' +
        "fix: pass --kubeconfig FILE or set KUBECONFIG, or log in with your cluster's own tool, which writes ~/.kube/config\n",
    );
  });

  it('says where a kubeconfig is malformed without quoting its token or key', async () => {
    const path = await kubeconfig(
      [
        'apiVersion: v1',
        'kind: Config',
        'users:',
        '- name: u',
        '  user:',
        '    token: token-7f3a9c',
        '    client-key-data: a2V5LWRhdGE=',
        '   broken: [indent',
        '',
      ].join('\n'),
    );
    const text = await openingError({ kubeconfig: path });
    expect(text).toContain(`error: --kubeconfig: cannot load ${path}:`);
    expect(text).toContain('line 8, column 4');
    expect(text).not.toContain('token-7f3a9c');
    expect(text).not.toContain('a2V5LWRhdGE=');
  });

  it('refuses a kubeconfig that is a device or too large, instead of reading it for ever', async () => {
    expect(await openingError({ kubeconfig: '/dev/zero' })).toBe(
      'error: --kubeconfig: /dev/zero is a device, not a file\nfix: pass a readable kubeconfig with --kubeconfig or KUBECONFIG\n',
    );
    const large = await kubeconfig(`# ${'x'.repeat(16 * 1024 * 1024)}\n`);
    expect(await openingError({}, { KUBECONFIG: `/nonexistent:${large}` })).toMatch(
      /^error: --kubeconfig: .+ is larger than 16 MiB, more than any kubeconfig holds\n/,
    );
  });

  it('names certificate and key fields that are not PEM, without quoting them', async () => {
    const path = await kubeconfig(
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", certificate-authority-data: ${Buffer.from('not a cert').toString('base64')}}}]`,
        `users: [{name: u, user: {client-certificate-data: ${Buffer.from('cert-5e1f').toString('base64')}, client-key-data: ${Buffer.from('key-8a2b').toString('base64')}}}]`,
        'contexts: [{name: dev, context: {cluster: c, user: u}}]',
        'current-context: dev',
        '',
      ].join('\n'),
    );
    const text = await openingError({ kubeconfig: path });
    expect(text).toBe(
      `error: --kubeconfig: certificate-authority of cluster c in ${path} is not a PEM certificate; --kubeconfig: client-certificate of user u in ${path} is not a PEM certificate; --kubeconfig: client-key of user u in ${path} is not a PEM private key\n` +
        'fix: put the PEM text base64-encoded in the -data field (or the path of a PEM file in the field itself), as your cluster provider writes it (kubectl config view --minify shows which fields are set)\n',
    );
    expect(text).not.toContain('key-8a2b');
  });

  it('names a context the kubeconfig lacks and the ones it has', async () => {
    const path = await kubeconfig(
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
        'users: [{name: u, user: {token: token-7f3a9c}}]',
        'contexts: [{name: dev, context: {cluster: c, user: u, namespace: team}}]',
        'current-context: dev',
        '',
      ].join('\n'),
    );
    await expect(
      Session.open({ ...options, kubeconfig: path, context: 'prod' }, {}),
    ).rejects.toThrow(
      expect.objectContaining({ fix: 'use one of: dev (kubectl config get-contexts)' }),
    );
    const session = await Session.open({ ...options, kubeconfig: path, context: 'dev' }, {});
    expect(session.namespace).toBe('team');
    await session.close();
  });

  it('names the API server without the user, password or query its address carries', async () => {
    const path = await kubeconfig(
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://admin:hunter2-4b1d@127.0.0.1:1/k8s?token=q-9e0c"}}]',
        'users: [{name: u, user: {token: token-7f3a9c}}]',
        'contexts: [{name: dev, context: {cluster: c, user: u}}]',
        'current-context: dev',
        '',
      ].join('\n'),
    );
    const result = await inProcess(['--kubeconfig', path, 'get']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: no cluster reachable: https:\/\/127\.0\.0\.1:1\/k8s: list /,
    );
    expect(result.stderr).not.toContain('hunter2-4b1d');
    expect(result.stderr).not.toContain('q-9e0c');
  });

  it('names the key of a kubeconfig whose current context cannot be used, before any request', async () => {
    const head = [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: u, user: {token: token-7f3a9c}}]',
    ];
    const noCurrent = await kubeconfig(
      [...head, 'contexts: [{name: dev, context: {cluster: c, user: u}}]', ''].join('\n'),
    );
    expect(await openingError({ kubeconfig: noCurrent })).toBe(
      `error: --kubeconfig: ${noCurrent} sets no current-context\n` +
        'fix: choose one of its contexts with --context (dev) or kubectl config use-context\n',
    );
    const ghost = await kubeconfig(
      [
        ...head,
        'contexts: [{name: dev, context: {cluster: c, user: u}}]',
        'current-context: prod',
        '',
      ].join('\n'),
    );
    expect(await openingError({ kubeconfig: ghost })).toBe(
      `error: --kubeconfig: current-context "prod" names no context in ${ghost}\n` +
        'fix: choose one of its contexts with --context (dev) or kubectl config use-context\n',
    );
    const dangling = await kubeconfig(
      [
        ...head,
        'contexts: [{name: dev, context: {cluster: gone, user: nobody}}]',
        'current-context: dev',
        '',
      ].join('\n'),
    );
    expect(await openingError({ kubeconfig: dangling })).toMatch(
      new RegExp(
        `^error: --kubeconfig: context "dev" names cluster "gone" and user "nobody", which ${dangling} does not define\\nfix: add them to the kubeconfig`,
      ),
    );
    const notKubeconfig = await kubeconfig('just some text\n');
    expect(await openingError({ kubeconfig: notKubeconfig })).toBe(
      `error: --kubeconfig: ${notKubeconfig} holds no contexts: it is not a kubeconfig\n` +
        'fix: pass the kubeconfig your cluster provider wrote with --kubeconfig or KUBECONFIG\n',
    );
  });

  it('names a server address no request can go to, and how to mend it, before any request', async () => {
    const withServer = (server: string) =>
      kubeconfig(
        [
          'apiVersion: v1',
          'kind: Config',
          `clusters: [{name: c, cluster: {server: "${server}"}}]`,
          'users: [{name: u, user: {token: token-7f3a9c}}]',
          'contexts: [{name: dev, context: {cluster: c, user: u}}]',
          'current-context: dev',
          '',
        ].join('\n'),
      );
    const plain = await withServer('http://127.0.0.1:8001');
    expect(await openingError({ kubeconfig: plain })).toBe(
      `error: --kubeconfig: the server of cluster c in ${plain} is plain http://, which is taken only with insecure-skip-tls-verify: true\n` +
        "fix: use the API server's https:// address; for a local kubectl proxy, add insecure-skip-tls-verify: true to cluster c\n",
    );
    const noUrl = await withServer('admin:pw-51c2@api.example.com');
    const text = await openingError({ kubeconfig: noUrl });
    expect(text).toMatch(
      new RegExp(
        `^error: --kubeconfig: the server of cluster c in ${noUrl} is not an http\\(s\\) URL\\nfix: `,
      ),
    );
    expect(text).not.toContain('pw-51c2');
  });

  it('names the call the API server refused, not the one the command began with', async () => {
    const path = await kubeconfig(
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
        'users: [{name: u, user: {token: token-7f3a9c}}]',
        'contexts: [{name: dev, context: {cluster: c, user: u}}]',
        'current-context: dev',
        '',
      ].join('\n'),
    );
    const session = await Session.open({ ...options, kubeconfig: path }, {});
    const podLogs = { ...resources.pods, plural: 'pods/log' };
    const refused = new KubernetesApiError(
      'Forbidden',
      'list Pod exec: pods is forbidden: User "dev" cannot list resource "pods" in API group "" in the namespace "exec"',
      403,
    );
    const error = await session.explain(refused, {
      verb: 'get',
      resource: podLogs,
      namespace: 'exec',
    });
    expect(formatError(error)).toMatch(
      /^error: not allowed to list pods in namespace exec: list Pod/,
    );
    expect((error as { fix: string }).fix).toContain('--verb=list --resource=pods -n exec');
    const other = new KubernetesApiError('Forbidden', 'denied by policy', 403);
    const guessed = await session.explain(other, {
      verb: 'get',
      resource: podLogs,
      namespace: 'exec',
    });
    expect(formatError(guessed)).toMatch(
      /^error: not allowed to get pods\/log in namespace exec: denied/,
    );
    await session.close();
  });
});

describe('--conventions', () => {
  const cluster = [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
    'users: [{name: u, user: {token: token-7f3a9c}}]',
    'contexts: [{name: dev, context: {cluster: c, user: u}}]',
    'current-context: dev',
    '',
  ].join('\n');

  it.each([
    ['roundhouse', 'roundhouse.dev'],
    ['kubernaut', 'kubernaut.ai'],
  ] as const)('opens a session under the %s preset of core, on group %s', async (name, group) => {
    const path = await kubeconfig(cluster);
    const session = await Session.open({ ...options, kubeconfig: path, conventions: name }, {});
    expect(session.conventions).toBe(conventionsPresets[name]);
    expect(session.workflowExecutions.group).toBe(group);
    await session.close();
  });

  it("refuses a preset core does not know, naming the flag and the known ones, instead of using Roundhouse's", async () => {
    const path = await kubeconfig(cluster);
    const conventions = 'kubernetes' as GlobalOptions['conventions'];
    expect(await openingError({ kubeconfig: path, conventions })).toBe(
      'error: --conventions: must be one of roundhouse, kubernaut, not "kubernetes"\n' +
        'fix: pass one of: --conventions roundhouse, --conventions kubernaut\n',
    );
    expect(() => conventionsOf({ conventions })).toThrow(
      expect.objectContaining({ reason: 'ConfigurationError', fix: expect.any(String) }),
    );
  });
});
