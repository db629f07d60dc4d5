import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { KubeClient, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterEach, expect, it } from 'vitest';

describeWithControlPlane('KubeClient connections', () => {
  const env = useTestNamespace();
  let opened = 0;
  const onConnected = () => {
    opened += 1;
  };

  afterEach(() => unsubscribe('undici:client:connected', onConnected));

  it('serves many concurrent requests over one bounded keep-alive pool', async () => {
    const client = new KubeClient(env.kubeConfig, { maxConnections: 8 });
    subscribe('undici:client:connected', onConnected);
    opened = 0;
    for (let round = 0; round < 5; round += 1) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          client.get(resources.configMaps, env.namespace, `absent-${i}`),
        ),
      );
    }
    expect(opened).toBeGreaterThan(0);
    expect(opened).toBeLessThanOrEqual(8);
    await client.close();
  });
});
