import { deleteAsRead, KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { expect, it } from 'vitest';

describeWithControlPlane('deleteAsRead', () => {
  const env = useTestNamespace();

  it('deletes the object it read, and never the one that took its name since', async () => {
    const client = new KubeClient(env.kubeConfig);
    const configMap = (value: string): KubeObject => ({
      metadata: { name: 'held' },
      data: { value },
    });
    const { object: first } = await client.create(
      resources.configMaps,
      env.namespace,
      configMap('1'),
    );
    await client.delete(resources.configMaps, env.namespace, 'held');
    const { object: second } = await client.create(
      resources.configMaps,
      env.namespace,
      configMap('2'),
    );

    expect(await deleteAsRead(client, resources.configMaps, first)).toBe('replaced');
    const left = await client.get<KubeObject & { data?: Record<string, string> }>(
      resources.configMaps,
      env.namespace,
      'held',
    );
    expect(left?.data).toEqual({ value: '2' });

    expect(await deleteAsRead(client, resources.configMaps, second)).toBe('deleted');
    expect(await client.get(resources.configMaps, env.namespace, 'held')).toBeNull();
    expect(await deleteAsRead(client, resources.configMaps, second)).toBe('absent');
  });
});
