import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient, LightKubeConfig, loadKubeConfig, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, expect, it } from 'vitest';
import { socksTo } from '../src/socks-proxy.test-support.js';

describeWithControlPlane('loadKubeConfig against an API server', () => {
  const env = useTestNamespace();
  const dir = mkdtempSync(join(tmpdir(), 'roundhouse-light-kubeconfig-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('authenticates with the client certificate and trusts the CA of the file', async () => {
    const file = join(dir, 'config');
    writeFileSync(file, env.kubeConfig.exportConfig());
    const config = await loadKubeConfig({ files: [file] });
    expect(config).toBeInstanceOf(LightKubeConfig);
    const client = new KubeClient(config);
    const name = 'light-kubeconfig';
    await client.create(resources.configMaps, env.namespace, {
      metadata: { name },
      data: { loaded: 'without client-node' },
    });
    const read = await client.get<{ data?: Record<string, string> }>(
      resources.configMaps,
      env.namespace,
      name,
    );
    expect(read?.data).toEqual({ loaded: 'without client-node' });
    await client.close();
  });

  it('reaches the API server through a SOCKS5 proxy, one tunnel for many requests', async () => {
    const socks = await socksTo(undefined, { username: 'ops', password: 's3cret' });
    try {
      const file = join(dir, 'socks');
      const exported = JSON.parse(env.kubeConfig.exportConfig()) as {
        clusters: { cluster: Record<string, unknown> }[];
      };
      for (const { cluster } of exported.clusters)
        cluster['proxy-url'] = `socks5://ops:s3cret@127.0.0.1:${socks.port}`;
      writeFileSync(file, JSON.stringify(exported));
      const config = await loadKubeConfig({ files: [file] });
      expect(config).toBeInstanceOf(LightKubeConfig);
      const client = new KubeClient(config);
      try {
        const reads = await Promise.all(
          Array.from({ length: 10 }, () =>
            client.list(resources.configMaps, env.namespace, { limit: 1 }),
          ),
        );
        expect(reads).toHaveLength(10);
      } finally {
        await client.close();
      }
      // HTTP/2 through the tunnel: the reads shared one connection.
      expect(socks.tunnels).toHaveLength(1);
    } finally {
      socks.proxy.closeAllConnections();
      socks.proxy.close();
    }
  });
});
