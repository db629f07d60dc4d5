import { setTimeout as sleep } from 'node:timers/promises';
import { throwIfAborted } from '@roundhouse/core';
import { type KubeClient, resources } from '@roundhouse/kube';
import { workflowExecutionCrd } from './crd.js';
import { workflowExecutions } from './resource.js';

/**
 * Creates or updates the WorkflowExecution CRD and waits until the API server serves it. A
 * controller (or the demo) calls this at start-up; production installs usually apply the same
 * object from the generated manifest instead.
 */
export async function ensureWorkflowExecutionCrd(
  client: KubeClient,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<void> {
  const crd = workflowExecutionCrd();
  await client.patch(resources.customResourceDefinitions, undefined, crd.metadata.name, crd, {
    strategy: 'apply',
    force: true,
    signal: options.signal,
  });
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!(await client.isServed(workflowExecutions, options))) {
    throwIfAborted(options.signal, 'wait for the WorkflowExecution CRD');
    if (Date.now() > deadline)
      throw new Error('the WorkflowExecution CRD was not served within the timeout');
    await sleep(200);
  }
}
