import type { KubeClient, ResourceType } from '@roundhouse/kube';
import { expect, vi } from 'vitest';
import { patience, read } from '../workflowexecution/harness.js';

/** The status of the execution's LockReleased condition, as the API server has it. */
export async function lockReleased(client: KubeClient, namespace: string, name: string) {
  const wfe = await read(client, namespace, name);
  return wfe?.status?.conditions?.find((c) => c.type === 'LockReleased')?.status;
}

/**
 * Waits until the execution `namespace/name` records LockReleased and its execution resource is
 * gone: what a user sees once the cooldown after an execution is over.
 */
export async function waitForRelease(
  client: KubeClient,
  namespace: string,
  name: string,
  resource: { type: ResourceType; namespace: string; name: string },
): Promise<void> {
  await vi.waitFor(async () => {
    expect(await lockReleased(client, namespace, name)).toBe('True');
    expect(await client.get(resource.type, resource.namespace, resource.name)).toBeNull();
  }, patience);
}
