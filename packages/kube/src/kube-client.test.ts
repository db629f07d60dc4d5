import { KubeConfig } from '@kubernetes/client-node';
import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { KubeClient } from './kube-client.js';
import { resources } from './resources.js';

describe('KubeClient', () => {
  it('says how to fix a kubeconfig without a current cluster, before sending anything', async () => {
    const error = await new KubeClient(new KubeConfig())
      .get(resources.jobs, 'ns', 'wfe-1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues[0]).toMatchObject({ path: 'kubeconfig' });
    expect((error as Error).message).toContain(
      'get Job ns/wfe-1: the kubeconfig has no current cluster',
    );
  });

  it('refuses to start a request whose signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      new KubeClient(new KubeConfig()).get(resources.jobs, 'ns', 'x', {
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ reason: 'Aborted' });
  });
});
