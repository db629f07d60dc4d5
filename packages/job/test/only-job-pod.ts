import type { KubeClient } from '@roundhouse/kube';
import { expect, vi } from 'vitest';
import { jobPods, patience } from './drive.js';

/** The one pod the Job controller created for `job`, once it exists. */
export async function onlyJobPod(client: KubeClient, namespace: string, job: string) {
  const [pod] = await vi.waitFor(async () => {
    const pods = await jobPods(client, namespace, job);
    expect(pods).toHaveLength(1);
    return pods;
  }, patience);
  return { pod, name: pod?.metadata?.name as string };
}
