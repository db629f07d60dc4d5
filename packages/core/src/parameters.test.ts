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
