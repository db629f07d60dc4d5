import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { expect, vi } from 'vitest';

export const patience = { timeout: 90_000, interval: 250 };

/** The pods the Job controller created for a Job. */
export async function jobPods(client: KubeClient, namespace: string, job: string) {
  const { items } = await client.list<KubeObject & { status?: Record<string, unknown> }>(
    resources.pods,
    namespace,
    { labelSelector: `batch.kubernetes.io/job-name=${job}` },
  );
  return items;
}

/**
 * Plays the kubelet for a long-running Job pod: waits until it runs, then finishes its
 * `workflow` container with `exitCode`, as a real container exit would. The Job controller
 * then does the rest.
 */
export async function finishJobPod(
  client: KubeClient,
  namespace: string,
  job: string,
  exitCode: number,
): Promise<void> {
  const pod = await vi.waitFor(async () => {
    const [found] = await jobPods(client, namespace, job);
    expect(found?.status?.phase).toBe('Running');
    return found as KubeObject;
  }, patience);
  const now = new Date().toISOString();
  await client.patch(
    resources.pods,
    namespace,
    pod.metadata?.name as string,
    {
      status: {
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        containerStatuses: [
          {
            name: 'workflow',
            image: 'registry.invalid/workflow:1',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: {
              terminated: {
                exitCode,
                reason: exitCode === 0 ? 'Completed' : 'Error',
                startedAt: now,
                finishedAt: now,
              },
            },
          },
        ],
      },
    },
    { subresource: 'status', strategy: 'merge' },
  );
}

export { KubeClient };
