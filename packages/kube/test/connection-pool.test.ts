import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { TLSSocket } from 'node:tls';
import { KubeClient, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterEach, beforeEach, expect, it } from 'vitest';

describeWithControlPlane('KubeClient connections', () => {
  const env = useTestNamespace();
  /** The protocol each connection undici opened negotiated with the API server. */
  let protocols: (string | false | null)[] = [];
  const onConnected = (message: unknown) => {
    protocols.push((message as { socket: TLSSocket }).socket.alpnProtocol);
  };

  beforeEach(() => {
    protocols = [];
    subscribe('undici:client:connected', onConnected);
  });
  afterEach(() => unsubscribe('undici:client:connected', onConnected));

  const concurrentGets = async (client: KubeClient) => {
    for (let round = 0; round < 5; round += 1) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          client.get(resources.configMaps, env.namespace, `absent-${i}`),
        ),
      );
    }
  };

  it('multiplexes many concurrent requests on one HTTP/2 connection', async () => {
    const client = new KubeClient(env.kubeConfig);
    await concurrentGets(client);
    expect(protocols).toEqual(['h2']);
    await client.close();
  });

  it('serves them over a bounded pool of HTTP/1.1 connections when HTTP/2 is off', async () => {
    const client = new KubeClient(env.kubeConfig, { maxConnections: 8, http2: false });
    await concurrentGets(client);
    expect(protocols.length).toBeGreaterThan(1);
    expect(protocols.length).toBeLessThanOrEqual(8);
    expect(new Set(protocols)).toEqual(new Set(['http/1.1']));
    await client.close();
  });
});
