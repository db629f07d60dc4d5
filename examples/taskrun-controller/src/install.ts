import { setTimeout as sleep } from 'node:timers/promises';
import { throwIfAborted } from '@roundhouse/core';
import { type KubeClient, resources } from '@roundhouse/kube';
import { taskRuns, tasks } from '@roundhouse/pod';
import { taskCrd, taskRunCrd } from './crd.js';

/**
 * Creates or updates the Task and TaskRun CRDs (server-side apply) and waits until the API
 * server serves both. Needs rights the controller itself does not: run it from an installer or
 * a test.
 */
export async function ensureTaskRunCrds(
  client: KubeClient,
  options: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined } = {},
): Promise<void> {
  for (const crd of [taskCrd(), taskRunCrd()]) {
    await client.patch(resources.customResourceDefinitions, undefined, crd.metadata.name, crd, {
      strategy: 'apply',
      force: true,
      signal: options.signal,
    });
  }
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (const type of [tasks, taskRuns]) {
    while (!(await client.isServed(type, options))) {
      throwIfAborted(options.signal, 'wait for the Task and TaskRun CRDs');
      if (Date.now() > deadline) throw new Error(`the ${type.kind} CRD was not served in time`);
      await sleep(200);
    }
  }
}
