import {
  deleteAsRead,
  deleteAsReadAnswered,
  isStillStored,
  KubeClient,
  type KubeObject,
  resources,
} from '@roundhouse/kube';
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

  it('resolves to what the API server answered: the object while a finalizer keeps it, nothing once it is gone', async () => {
    const client = new KubeClient(env.kubeConfig);
    const finalizer = 'roundhouse.test/keep';
    const { object: kept } = await client.create(resources.configMaps, env.namespace, {
      metadata: { name: 'kept', finalizers: [finalizer] },
    });
    const answer = await deleteAsReadAnswered(client, resources.configMaps, kept);
    expect(answer.outcome).toBe('deleted');
    const remaining = answer.outcome === 'deleted' ? answer.remaining : undefined;
    expect(remaining?.metadata?.deletionTimestamp).toBeDefined();
    expect(remaining?.metadata?.finalizers).toEqual([finalizer]);
    // Its finalizer's removal deletes it, and is answered with the object as written.
    const removed = await client.patch<KubeObject>(
      resources.configMaps,
      env.namespace,
      'kept',
      [{ op: 'remove', path: '/metadata/finalizers/0' }],
      { strategy: 'json' },
    );
    expect(isStillStored(removed)).toBe(false);
    expect(await client.get(resources.configMaps, env.namespace, 'kept')).toBeNull();

    const { object: bare } = await client.create(resources.configMaps, env.namespace, {
      metadata: { name: 'bare' },
    });
    expect(await deleteAsReadAnswered(client, resources.configMaps, bare)).toEqual({
      outcome: 'deleted',
      remaining: undefined,
    });
    expect(await deleteAsReadAnswered(client, resources.configMaps, bare)).toEqual({
      outcome: 'absent',
    });
  });
});
