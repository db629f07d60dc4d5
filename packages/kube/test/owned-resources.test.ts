import {
  executionMetadata,
  executionObjectMeta,
  ResourceLockedError,
  roundhouseConventions,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { KubeClient, type KubeObject, OwnedResources, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** The lock rules of OwnedResources as a real kube-apiserver stores and returns the metadata. */
describeWithControlPlane('OwnedResources against the API server', () => {
  const env = useTestNamespace();
  let client: KubeClient;
  beforeAll(() => {
    client = new KubeClient(env.kubeConfig);
  });
  afterAll(() => client.close());

  const lockFor = (wfe: ReturnType<typeof sampleExecution>): KubeObject => ({
    metadata: executionObjectMeta(
      wfe,
      env.namespace,
      executionMetadata(wfe, 'configmap', roundhouseConventions),
      roundhouseConventions,
    ),
    data: {},
  });

  // Both execute on the sample's target, so both want the same lock name.
  it('names a holder whose name is over 63 characters in full, not a name another execution can take', async () => {
    const owned = new OwnedResources(
      client,
      resources.configMaps,
      roundhouseConventions,
      () => false,
    );
    const name = `victim-${'x'.repeat(70)}`;
    const holder = sampleExecution({ name, uid: 'u-victim' });
    await owned.create(holder, env.namespace, lockFor(holder));
    const second = sampleExecution({ name: 'second', uid: 'u-second' });
    const error = await owned.create(second, env.namespace, lockFor(second)).catch((e) => e);
    expect(error).toBeInstanceOf(ResourceLockedError);
    expect(error).toMatchObject({ owner: { name, namespace: holder.metadata.namespace } });
  });
});
