import { KubeConfig } from '@kubernetes/client-node';
import { ConfigurationError } from '@roundhouse/core';
import { KubeClient, type Reader } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { reconcilerOver } from './reconciler.test-support.js';

const kubeConfig = new KubeConfig();
kubeConfig.loadFromOptions({
  clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }],
  users: [{ name: 'u', token: 't' }],
  contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
  currentContext: 'x',
});
const api = { client: new KubeClient(kubeConfig), reader: {} as Reader };

describe('WorkflowExecutionReconciler options', () => {
  // kubernaut's config_test.go "should fail with clear error for negative cooldown period": a
  // negative cooldown held no target and said nothing, as the clamp read it as none.
  it.each([-1, -5 * 60_000, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses a cooldownMs of %s, naming the option',
    (cooldownMs) => {
      let error: unknown;
      try {
        reconcilerOver(api, { cooldownMs });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).message).toMatch(/cooldownMs.*0 for none/);
    },
  );

  it.each([0, 1_000, 5 * 60_000])('takes a cooldownMs of %s', (cooldownMs) => {
    expect(() => reconcilerOver(api, { cooldownMs })).not.toThrow();
  });
});
