import { setTimeout as sleep } from 'node:timers/promises';
import { RoundhouseError, throwIfAborted } from '@roundhouse/core';
import { type KubeClient, resources } from '@roundhouse/kube';
import { distExecCrd } from './crd.js';
import { distExecs } from './resource.js';

/**
 * Creates or updates the DistExec CRD (server-side apply) and waits until the API server
 * serves it. Needs rights the agents do not have: run it from an installer or a test.
 */
export async function ensureDistExecCrd(
  client: KubeClient,
  options: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined } = {},
): Promise<void> {
  const crd = distExecCrd();
  await client.patch(resources.customResourceDefinitions, undefined, crd.metadata.name, crd, {
    strategy: 'apply',
    force: true,
    signal: options.signal,
  });
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!(await client.isServed(distExecs, options))) {
    throwIfAborted(options.signal, 'wait for the DistExec CRD');
    if (Date.now() > deadline) throw new CrdNotServedError();
    await sleep(200);
  }
}

/** The CRD was applied but the API server did not start serving it in time. */
export class CrdNotServedError extends RoundhouseError {
  readonly reason = 'CrdNotServed';
  override readonly retryable = true;

  constructor() {
    super(`the ${distExecs.plural}.${distExecs.group} CRD was not served in time`);
  }
}
