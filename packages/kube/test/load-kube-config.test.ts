import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient, LightKubeConfig, loadKubeConfig, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, expect, it } from 'vitest';

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
});
