import { setTimeout as sleep } from 'node:timers/promises';
import { throwIfAborted } from '@roundhouse/core';
import { type KubeClient, resources } from '@roundhouse/kube';
import { taskActionCrd } from './crd.js';
import { taskActions } from './resource.js';

/**
 * Creates or updates the TaskAction CRD (server-side apply) and waits until the API server
 * serves it. Needs rights the controller itself does not: run it from an installer or a test.
 */
export async function ensureTaskActionCrd(
  client: KubeClient,
  options: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined } = {},
): Promise<void> {
  const crd = taskActionCrd();
  await client.patch(resources.customResourceDefinitions, undefined, crd.metadata.name, crd, {
    strategy: 'apply',
    force: true,
    signal: options.signal,
  });
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!(await client.isServed(taskActions, options))) {
    throwIfAborted(options.signal, 'wait for the TaskAction CRD');
    if (Date.now() > deadline) throw new Error('the TaskAction CRD was not served in time');
    await sleep(200);
  }
}
