import type { ExecutionResult, WorkflowExecution } from '@roundhouse/core';
import type { JobExecutor } from '@roundhouse/job';
import type { KubeClient, ResourceType } from '@roundhouse/kube';

const validatingWebhookConfigurations: ResourceType = Object.freeze({
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  kind: 'ValidatingWebhookConfiguration',
  plural: 'validatingwebhookconfigurations',
  namespaced: false,
});

/**
 * A policy webhook for the pods of `namespace` that the API server cannot reach: every pod
 * create there fails with `failed calling webhook`, which the Job controller retries, as it
 * does while a real policy engine is down. Returns how to take it away.
 */
export async function unreachablePodWebhook(
  client: KubeClient,
  namespace: string,
): Promise<() => Promise<void>> {
  const name = `unreachable-${namespace}`;
  await client.create(validatingWebhookConfigurations, undefined, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name },
    webhooks: [
      {
        name: 'pods.unreachable.roundhouse.test',
        // Port 1: nothing listens, so the API server's call is refused at once.
        clientConfig: { url: 'https://127.0.0.1:1/validate' },
        rules: [
          { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] },
        ],
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
        failurePolicy: 'Fail',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: 1,
      },
    ],
  });
  return async () => {
    await client.delete(validatingWebhookConfigurations, undefined, name);
  };
}

/**
 * Looks at `wfe` as a controller does while its Job does not change: again after each result's
 * `recheckAfterMs`, and not at all without one (the controller's next look would be its resync,
 * minutes away), until the execution ends or `patienceMs` runs out.
 */
export async function followHints(
  executor: JobExecutor,
  wfe: WorkflowExecution,
  namespace: string,
  patienceMs: number,
): Promise<ExecutionResult | null> {
  const until = Date.now() + patienceMs;
  for (;;) {
    const status = await executor.getStatus(wfe, namespace);
    if (status?.phase !== 'Running' || status.recheckAfterMs === undefined) return status;
    if (Date.now() + status.recheckAfterMs > until) return status;
    await new Promise((resolve) => setTimeout(resolve, status.recheckAfterMs));
  }
}
