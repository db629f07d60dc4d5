import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigurationError } from '@roundhouse/core';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { inClusterConfig } from './in-cluster-config.js';
import { KubeConfigError } from './kube-config-error.js';
import { LightKubeConfig } from './light-kube-config.js';
import { type LoadedKubeConfig, loadKubeConfig } from './load-kube-config.js';

const dir = mkdtempSync(join(tmpdir(), 'roundhouse-load-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

function write(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

function kubeconfig(name: string, user: string, extra = ''): string {
  return write(
    name,
    `apiVersion: v1
kind: Config
clusters: [{name: ${name}, cluster: {server: "https://${name}.example.com:6443", certificate-authority: ca.crt}}]
users: [{name: ${name}, user: ${user}}]
contexts: [{name: ${name}, context: {cluster: ${name}, user: ${name}}}]
current-context: ${name}
${extra}`,
  );
}

async function optionsOf(config: LoadedKubeConfig): Promise<RequestOptions> {
  const options: RequestOptions = {};
  await config.applyToHTTPSOptions(options);
  return options;
}

async function failure(load: Promise<unknown>): Promise<string> {
  const error = await load.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigurationError);
  return (error as Error).message;
}

describe('loadKubeConfig', () => {
  write('ca.crt', 'the CA');

  it('loads a token, a CA file relative to the kubeconfig and client certificate data', async () => {
    const cert = Buffer.from('the cert').toString('base64');
    const file = kubeconfig('dev', `{token: t0k3n, client-certificate-data: ${cert}, as: bob}`);
    const config = await loadKubeConfig({ files: [file] });
    expect(config).toBeInstanceOf(LightKubeConfig);
    expect(config.getCurrentContext()).toBe('dev');
    expect(config.getCurrentCluster()?.server).toBe('https://dev.example.com:6443');
    const options = await optionsOf(config);
    expect(options.ca?.toString()).toBe('the CA');
    expect(options.cert?.toString()).toBe('the cert');
    expect(options.headers).toEqual({ Authorization: 'Bearer t0k3n', 'Impersonate-User': 'bob' });
  });

  it('merges files as kubectl does, the first to set a name or the current-context winning', async () => {
    const first = kubeconfig('first', '{token: one}');
    const second = write(
      'second',
      `clusters: [{name: second, cluster: {server: "https://second.example.com"}}]
users: [{name: second, user: {username: alice, password: secret}}]
contexts: [{name: second, context: {cluster: second, user: second}}, {name: first, context: {cluster: second}}]
current-context: second
`,
    );
    const merged = await loadKubeConfig({ files: [first, second] });
    expect(merged.getCurrentCluster()?.name).toBe('first');
    const other = await loadKubeConfig({ files: [first, second], context: 'second' });
    expect((await optionsOf(other)).auth).toBe('alice:secret');
  });

  it("passes over a listed file that does not exist, and gives the context's namespace and user", async () => {
    const team = write(
      'team',
      `clusters: [{name: c, cluster: {server: "https://team.example.com"}}]
users: [{name: u, user: {token: team-token}}]
contexts: [{name: team, context: {cluster: c, user: u, namespace: team-a}}]
current-context: team
`,
    );
    const config = await loadKubeConfig({ files: [join(dir, 'optional'), team] });
    expect(config.getCurrentContext()).toBe('team');
    expect(config.getContextObject('team')?.namespace).toBe('team-a');
    expect(config.getCurrentUser()?.token).toBe('team-token');
    // A file named alone must exist, as kubectl's --kubeconfig.
    expect(await failure(loadKubeConfig({ file: join(dir, 'optional') }))).toBe(
      `kubeconfig: ${join(dir, 'optional')} does not exist`,
    );
  });

  it('reads a token file again as it rotates', async () => {
    vi.useFakeTimers();
    try {
      write('token', 'first\n');
      const config = await loadKubeConfig({
        files: [kubeconfig('rotating', '{token-file: token}')],
      });
      expect((await optionsOf(config)).headers).toEqual({ Authorization: 'Bearer first' });
      expect(config.getCurrentUser()?.token).toBe('first');
      write('token', 'second\n');
      vi.advanceTimersByTime(60_000);
      expect((await optionsOf(config)).headers).toEqual({ Authorization: 'Bearer second' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('runs an exec credential plugin', async () => {
    const plugin = write(
      'plugin.mjs',
      `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-plugin' } }));`,
    );
    const config = await loadKubeConfig({
      files: [
        kubeconfig(
          'exec',
          `{exec: {apiVersion: client.authentication.k8s.io/v1, command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(plugin)}]}}`,
        ),
      ],
    });
    expect((await optionsOf(config)).headers).toEqual({ Authorization: 'Bearer from-plugin' });
  });

  it("hands an auth-provider plugin to client-node's KubeConfig", async () => {
    const config = await loadKubeConfig({
      files: [
        kubeconfig('oidc', '{auth-provider: {name: oidc, config: {id-token: abc, client-id: x}}}'),
      ],
    });
    expect(config).toBeInstanceOf(KubeConfig);
    expect(config.getCurrentCluster()?.caFile).toBe(join(dir, 'ca.crt'));
  });

  it.each([
    ['gcp', '{name: gcp, config: {cmd-path: /usr/bin/gcloud}}', /gke-gcloud-auth-plugin/],
    ['azure', '{name: azure, config: {apiserver-id: x}}', /kubelogin/],
    ['made-up', '{name: made-up}', /exec credential plugin your cluster's provider documents/],
  ])(
    'refuses the %s auth-provider as kubectl does, with its replacement, before running anything',
    async (provider, section, replacement) => {
      const error = await loadKubeConfig({
        files: [kubeconfig(`provider-${provider}`, `{auth-provider: ${section}}`)],
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KubeConfigError);
      expect((error as KubeConfigError).problem).toEqual({
        kind: 'UnsupportedAuthProvider',
        context: `provider-${provider}`,
        user: `provider-${provider}`,
        provider,
        replacement: expect.stringMatching(replacement),
      });
      expect((error as Error).message).toMatch(
        `the user "provider-${provider}" of current-context "provider-${provider}" has the auth-provider "${provider}", which kubectl does not run either (only oidc is one): `,
      );
    },
  );

  it('defaults to KUBECONFIG, then the ServiceAccount, and says so when there is neither', async () => {
    vi.stubEnv('KUBECONFIG', [join(dir, 'dev'), join(dir, 'first')].join(delimiter));
    expect((await loadKubeConfig()).getCurrentContext()).toBe('dev');
    // A --kubeconfig flag's file wins; the flag not given leaves the search as it is.
    expect((await loadKubeConfig({ file: join(dir, 'first') })).getCurrentContext()).toBe('first');
    expect((await loadKubeConfig({ file: undefined })).getCurrentContext()).toBe('dev');
    vi.stubEnv('KUBECONFIG', '');
    vi.stubEnv('HOME', join(dir, 'nowhere'));
    vi.stubEnv('KUBERNETES_SERVICE_HOST', '');
    expect(await failure(loadKubeConfig())).toMatch(/^kubeconfig: no kubeconfig found/);
  });

  it('names a missing file, a file that is no kubeconfig, an unknown context and one without a cluster', async () => {
    expect(await failure(loadKubeConfig({ files: [join(dir, 'missing')] }))).toBe(
      `kubeconfig: ${join(dir, 'missing')} does not exist`,
    );
    const garbage = write('garbage', 'clusters: [\n');
    expect(await failure(loadKubeConfig({ files: [garbage] }))).toMatch(
      new RegExp(`^kubeconfig: ${garbage} is not a usable kubeconfig: [^\\n]+$`),
    );
    const dev = join(dir, 'dev');
    expect(await failure(loadKubeConfig({ files: [dev], context: 'prod' }))).toBe(
      'kubeconfig: the kubeconfig has no context "prod"',
    );
    const orphan = write(
      'orphan',
      'contexts: [{name: a, context: {cluster: gone}}]\ncurrent-context: a\n',
    );
    expect(await failure(loadKubeConfig({ files: [orphan] }))).toBe(
      'kubeconfig: current-context "a" names no cluster in the kubeconfig',
    );
  });

  it('refuses a context whose user is not defined instead of sending no credentials, and says what is wrong as data', async () => {
    const nobody = write(
      'nobody',
      `clusters: [{name: c, cluster: {server: "https://c.example.com"}}]
contexts: [{name: a, context: {cluster: c, user: nobody}}, {name: b, context: {cluster: c}}]
current-context: a
`,
    );
    const error = await loadKubeConfig({ files: [nobody] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeConfigError);
    expect(error).toMatchObject({
      message: 'kubeconfig: current-context "a" names no user "nobody" in the kubeconfig',
      problem: {
        kind: 'UndefinedReference',
        context: 'a',
        chosen: false,
        cluster: undefined,
        user: 'nobody',
        contexts: ['a', 'b'],
      },
    });
    await expect(loadKubeConfig({ files: [nobody], context: 'x' })).rejects.toMatchObject({
      problem: { kind: 'UnknownContext', context: 'x', chosen: true, contexts: ['a', 'b'] },
    });
    // A context without a user sends no credentials, as kubectl's does.
    expect((await loadKubeConfig({ files: [nobody], context: 'b' })).getCurrentUser()).toBeNull();
  });

  it('refuses a device, which would be read without end', async () => {
    await expect(loadKubeConfig({ file: '/dev/zero' })).rejects.toMatchObject({
      message: 'kubeconfig: /dev/zero is a device, not a file',
      problem: { kind: 'NotAFile', file: '/dev/zero' },
    });
  });
  it('quotes no line of a kubeconfig it cannot parse, in the error or anything it carries', async () => {
    const token = 'sha256~Zk9vX2NhbmFyeS10b2tlbi0xZjJl';
    const broken = write(
      'broken',
      `users:\n- name: admin\n  user:\n    token: ${token}\n   bad: indentation\n`,
    );
    const error = await loadKubeConfig({ files: [broken] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(
      /is not a usable kubeconfig: bad indentation of a mapping entry at line 5, column 4$/,
    );
    // What a logger's error serializer writes: the message, the stack and every cause's.
    const written: string[] = [];
    for (let e: unknown = error; e instanceof Error; e = e.cause) {
      written.push(e.message, e.stack ?? '', JSON.stringify(e));
    }
    expect(written.join('\n')).not.toContain(token.slice(0, 12));
  });
});

describe('inClusterConfig', () => {
  it("uses the service's address, the mounted CA and token", () => {
    const config = inClusterConfig({
      KUBERNETES_SERVICE_HOST: 'fd00::1',
      KUBERNETES_SERVICE_PORT: '443',
    });
    expect(config.getCurrentCluster()).toMatchObject({
      server: 'https://[fd00::1]:443',
      caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
    });
    expect(() => inClusterConfig({})).toThrow(ConfigurationError);
  });

  it("gives the pod's namespace as the context's, as kubectl in a pod uses it", () => {
    const mounted = join(dir, 'serviceaccount');
    write('serviceaccount/namespace', 'team-a\n');
    write('serviceaccount/token', 'sa-token\n');
    const env = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
    const config = inClusterConfig(env, mounted);
    expect(config.getContextObject(config.getCurrentContext())?.namespace).toBe('team-a');
    expect(config.getCurrentUser()?.token).toBe('sa-token');
    expect(
      inClusterConfig(env, join(dir, 'unmounted')).getContextObject('inClusterContext'),
    ).toEqual({ name: 'inClusterContext', cluster: 'inCluster', user: 'inClusterUser' });
  });
});

describe('the modules a process loads', () => {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  /** The client-node modules a fresh process loads to load `file` and prepare one request. */
  function clientNodeModulesFor(file: string): string[] {
    const script = `
      import { registerHooks } from 'node:module';
      const loaded = [];
      registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
      const { KubeClient, loadKubeConfig } = await import('@roundhouse/kube');
      const client = new KubeClient(await loadKubeConfig({ files: [${JSON.stringify(file)}] }));
      await client.get({ group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false }, undefined, 'x', { signal: AbortSignal.abort() }).catch(() => {});
      console.log(JSON.stringify(loaded.filter((url) => url.includes('/@kubernetes/client-node/'))));
    `;
    const output = execFileSync(
      process.execPath,
      ['--conditions=@roundhouse/source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: root, encoding: 'utf8' },
    );
    return (JSON.parse(output) as string[]).map((url) => url.replace(/.*\/client-node\//, ''));
  }

  it("never loads client-node's generated API for a kubeconfig the light loader handles", () => {
    const loaded = clientNodeModulesFor(join(dir, 'exec'));
    expect(loaded).toContain('dist/config_types.js');
    expect(loaded.filter((m) => !m.startsWith('dist/gen/apis/exception.js'))).not.toContainEqual(
      expect.stringMatching(/^dist\/(gen\/|config\.js|index\.js)/),
    );
    // The probe does see it when the fallback loads it.
    expect(clientNodeModulesFor(join(dir, 'oidc'))).toContain('dist/gen/index.js');
  }, 60_000);
});
