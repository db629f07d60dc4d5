import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { cooldownMs, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has working defaults for the Kubernetes engines', () => {
    const config = loadConfig(['--engines=job,tekton'], {});
    expect(config).toMatchObject({
      engines: ['job', 'tekton'],
      executionNamespace: 'roundhouse-workflows',
      cooldown: '5m',
      lockPolicy: 'fail',
      conventions: 'roundhouse',
      workers: 4,
      leaderElect: false,
    });
    expect(cooldownMs(config)).toBe(300_000);
  });

  it('prefers flags over environment over defaults, and reads KUBECONFIG', () => {
    const config = loadConfig(['--cooldown=30s'], {
      ROUNDHOUSE_COOLDOWN: '1m',
      ROUNDHOUSE_ENGINES: 'job',
      ROUNDHOUSE_LOCK_POLICY: 'wait',
      KUBECONFIG: '/tmp/kc',
    });
    expect(config.cooldown).toBe('30s');
    expect(config.lockPolicy).toBe('wait');
    expect(config.kubeconfig).toBe('/tmp/kc');
  });

  it('names the flag of a bad value', () => {
    let error: ConfigurationError | undefined;
    try {
      loadConfig(['--engines=job,argo', '--cooldown=soon', '--workers=0'], {});
    } catch (e) {
      error = e as ConfigurationError;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error?.issues.map((i) => i.path).sort()).toEqual([
      '--cooldown',
      '--engines',
      '--workers',
    ]);
  });

  it('asks for the AWX settings when the ansible engine is enabled', () => {
    expect(() => loadConfig([], {})).toThrow(
      /ansible engine needs --awx-url and --awx-token-secret/,
    );
    const config = loadConfig(
      ['--awx-url=https://awx.example.com', '--awx-token-secret=ops/awx:token'],
      {},
    );
    expect(config.engines).toEqual(['job', 'tekton', 'ansible']);
  });

  it('rejects unknown flags', () => {
    expect(() => loadConfig(['--frobnicate=1'], {})).toThrow();
  });
});
