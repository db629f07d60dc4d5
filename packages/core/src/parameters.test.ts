import { describe, expect, it } from 'vitest';
import { ConfigurationError } from './errors.js';
import { parameterEnv } from './parameters.js';

describe('parameterEnv', () => {
  it('puts TARGET_RESOURCE first, then parameters sorted by name', () => {
    expect(parameterEnv('ns/deployment/app', { ZETA: '1', ALPHA: 'a', MIDDLE: '' })).toEqual([
      { name: 'TARGET_RESOURCE', value: 'ns/deployment/app' },
      { name: 'ALPHA', value: 'a' },
      { name: 'MIDDLE', value: '' },
      { name: 'ZETA', value: '1' },
    ]);
  });

  it('sorts by code point, not locale (upper case before lower case)', () => {
    expect(parameterEnv('t/x', { b: '1', B: '2', _a: '3' }).map((e) => e.name)).toEqual([
      'TARGET_RESOURCE',
      'B',
      '_a',
      'b',
    ]);
  });

  it('keeps values verbatim', () => {
    expect(parameterEnv('t/x', { V: '  spaced  ' })[1]?.value).toBe('  spaced  ');
  });

  it('rejects a parameter named TARGET_RESOURCE', () => {
    expect(() => parameterEnv('t/x', { TARGET_RESOURCE: 'other' })).toThrowError(
      /spec\.parameters\.TARGET_RESOURCE: TARGET_RESOURCE is reserved/,
    );
  });

  it.each(['1ST', 'WITH-DASH', 'has space', 'dot.ted', '', 'ÜBER'])(
    'rejects the invalid name %j with an error naming it',
    (name) => {
      let error: unknown;
      try {
        parameterEnv('t/x', { [name]: 'v' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).issues[0]?.path).toBe(`spec.parameters.${name}`);
    },
  );

  it('rejects a parameter named __proto__, which JSON-built objects drop or take as a prototype', () => {
    expect(() => parameterEnv('t/x', JSON.parse('{"__proto__":"v"}'))).toThrowError(
      /spec\.parameters\.__proto__: is not allowed as a parameter name/,
    );
  });

  it.each([
    'LD_PRELOAD',
    'LD_AUDIT',
    'BASH_ENV',
    'NODE_OPTIONS',
    'PYTHONPATH',
    'PATH',
    'KUBECONFIG',
    'GIT_CONFIG_COUNT',
    'GIT_PROXY_COMMAND',
    'GIT_EXTERNAL_DIFF',
    'EDITOR',
    'LESSOPEN',
    'OPENSSL_CONF',
    'ANSIBLE_SSH_COMMON_ARGS',
    'ANSIBLE_VAULT_PASSWORD_FILE',
    'ANSIBLE_CONFIG',
    'HOME',
    'XDG_CONFIG_HOME',
    'LUA_INIT',
    'LUA_INIT_5_4',
    'KUBE_EDITOR',
    'KUBECTL_EXTERNAL_DIFF',
    'PHPRC',
    'BUNDLE_GEMFILE',
    'DOTNET_STARTUP_HOOKS',
    'HELM_PLUGINS',
    'TF_CLI_CONFIG_FILE',
    'GOFLAGS',
    'JAVA_OPTS',
    'SHELL',
    'PIP_INDEX_URL',
    'AWS_CONFIG_FILE',
    'GOOGLE_APPLICATION_CREDENTIALS',
    'SUDO_ASKPASS',
    'UV_INDEX_URL',
    'UV_CONFIG_FILE',
    'CONTAINERS_REGISTRIES_CONF',
    'CONTAINERS_CONF',
  ])('refuses %s, which would change which code the image runs, naming it and the fix', (name) => {
    let error: unknown;
    try {
      parameterEnv('t/x', { REPLICAS: '3', [name]: '/run/kubernaut/configmaps/c/evil' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const issues = (error as ConfigurationError).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe(`spec.parameters.${name}`);
    expect(issues[0]?.message).toContain(`e.g. WORKFLOW_${name}`);
    expect((error as Error).message).not.toContain('evil');
  });

  it.each([
    'HTTPS_PROXY',
    'https_proxy',
    'http_proxy',
    'ALL_PROXY',
    'NO_PROXY',
    'SSL_CERT_FILE',
    'SSL_CERT_DIR',
    'REQUESTS_CA_BUNDLE',
    'CURL_CA_BUNDLE',
    'NODE_EXTRA_CA_CERTS',
    'NODE_TLS_REJECT_UNAUTHORIZED',
    'GIT_SSL_NO_VERIFY',
    'KUBERNETES_SERVICE_HOST',
    'KUBERNETES_SERVICE_PORT',
    'KUBERNETES_PORT_443_TCP_ADDR',
    'HELM_KUBEAPISERVER',
    'AWS_ENDPOINT_URL_STS',
    'AWS_SHARED_CREDENTIALS_FILE',
    'npm_config_registry',
    'NPM_CONFIG_CAFILE',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
    'AWS_EC2_METADATA_SERVICE_ENDPOINT',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AZURE_AUTHORITY_HOST',
    'AZURE_FEDERATED_TOKEN_FILE',
    'IDENTITY_ENDPOINT',
    'MSI_ENDPOINT',
    'GCE_METADATA_HOST',
    'VAULT_ADDR',
    'VAULT_SKIP_VERIFY',
    'DOCKER_HOST',
    'DOCKER_CONFIG',
    'GH_HOST',
    'CONTAINER_HOST',
    'UV_INSECURE_HOST',
  ])('refuses %s, which would change whom the image trusts with its requests and token', (name) => {
    let error: unknown;
    try {
      parameterEnv('t/x', { TARGET_NAMESPACE: 'prod', [name]: 'https://attacker.example' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const issues = (error as ConfigurationError).issues;
    expect(issues.map((i) => i.path)).toEqual([`spec.parameters.${name}`]);
    expect(issues[0]?.message).toContain(`e.g. WORKFLOW_${name}`);
    expect((error as Error).message).not.toContain('attacker');
  });

  it("keeps the parameter names kubernaut's workflows and tests use", () => {
    const names = [
      'CA_SECRET_NAME',
      'CA_SECRET_NAMESPACE',
      'CONFIGMAP_NAME',
      'DEPLOYMENT_NAME',
      'FAILURE_MODE',
      'IMAGE',
      'ISSUER_NAME',
      'LABEL_SELECTOR',
      'MEMORY_LIMIT',
      'NAMESPACE',
      'NEW_MAX_REPLICAS',
      'NODE_NAME',
      'POD_NAME',
      'POD_NAMESPACE',
      'POLICY_ACTION',
      'PVC_SIZE',
      'REPLICAS',
      'REPLICA_COUNT',
      'RR_NAME',
      'RR_NAMESPACE',
      'TAINT_KEY',
      'TARGET_DEPLOYMENT',
      'TARGET_NAMESPACE',
      'TARGET_RESOURCE_KIND',
      'TARGET_RESOURCE_NAME',
      'TF_VAR_region',
      'THRESHOLD',
      'TIMEOUT',
      'WFE_NAME',
      'WFE_NAMESPACE',
    ];
    const env = parameterEnv('t/x', Object.fromEntries(names.map((name) => [name, 'v'])));
    expect(env.map((e) => e.name)).toEqual(['TARGET_RESOURCE', ...names]);
  });

  it('keeps names that only resemble a loader variable', () => {
    expect(
      parameterEnv('t/x', {
        MY_PATH: '/a',
        ld_preload: 'x',
        ENVIRONMENT: 'prod',
        PYTHON: '3',
        GIT_BRANCH: 'main',
        ANSIBLE: 'yes',
      }).map((e) => e.name),
    ).toEqual([
      'TARGET_RESOURCE',
      'ANSIBLE',
      'ENVIRONMENT',
      'GIT_BRANCH',
      'MY_PATH',
      'PYTHON',
      'ld_preload',
    ]);
  });

  it('names every refused parameter at once', () => {
    expect(() => parameterEnv('t/x', { LD_PRELOAD: 'a', BASH_ENV: 'b' })).toThrowError(
      /spec\.parameters\.BASH_ENV: is not allowed.*; spec\.parameters\.LD_PRELOAD: is not allowed/,
    );
  });
});
