import { KubeConfig } from '@kubernetes/client-node';
import { ConfigurationError } from '@roundhouse/core';
import { KubeClient } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { LeaderElector } from './leader-election.js';

const client = new KubeClient(new KubeConfig());
const base = { namespace: 'ns', name: 'lease', identity: 'a' };

describe('LeaderElector options', () => {
  it("accepts client-go's defaults", () => {
    expect(new LeaderElector(client, base).isLeader).toBe(false);
  });

  it.each([
    [{ leaseDurationSeconds: 10, renewDeadlineSeconds: 10 }, 'renewDeadlineSeconds'],
    [{ renewDeadlineSeconds: 2, retryPeriodSeconds: 2 }, 'retryPeriodSeconds'],
    [{ leaseDurationSeconds: 1.5 }, 'leaseDurationSeconds'],
    [{ identity: '' }, 'identity'],
  ])('rejects %o, naming %s', (options, path) => {
    const error = (() => {
      try {
        new LeaderElector(client, { ...base, ...options });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues.map((i) => i.path)).toContain(path);
  });
});
