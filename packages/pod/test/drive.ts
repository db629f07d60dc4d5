import type { WorkflowExecution } from '@roundhouse/core';
import { type KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { podControls } from '@roundhouse/testenv/vitest';
import { expect, vi } from 'vitest';

export const patience = { timeout: 90_000, interval: 250 };

/** Three sequential steps; any image under registry.invalid/ is allowed by `allowedImages`. */
export const threeSteps = {
  steps: [
    { name: 'fetch', image: 'registry.invalid/git:2', script: 'git clone "$REPO" src' },
    { name: 'build', image: 'registry.invalid/make:4', script: 'make -C src' },
    { name: 'report', image: 'registry.invalid/curl:8', script: 'curl -fsS "$HOOK"' },
  ],
};

export const allowedImages = ['registry.invalid/*'];

/** `wfe` with the steps in its engineConfig, as the pod engine reads them. */
export function withSteps(wfe: WorkflowExecution, engineConfig: object = threeSteps) {
  return {
    ...wfe,
    spec: {
      ...wfe.spec,
      executionEngine: 'pod',
      workflowRef: { ...wfe.spec.workflowRef, engineConfig: { ...engineConfig } },
    },
  } satisfies WorkflowExecution;
}

type Pod = KubeObject & { spec?: Record<string, unknown>; status?: { phase?: string } };

/** Waits until the fake node runs the Pod, and returns it. */
export async function runningPod(client: KubeClient, namespace: string, name: string) {
  return vi.waitFor(async () => {
    const pod = await client.get<Pod>(resources.pods, namespace, name);
    expect(pod?.status?.phase).toBe('Running');
    return pod as Pod;
  }, patience);
}

/**
 * Ends a Pod that runs until told: KWOK finishes every main container with `exitCode` as soon
 * as the control annotation arrives.
 */
export async function finishPod(
  client: KubeClient,
  namespace: string,
  name: string,
  exitCode: number,
): Promise<void> {
  await runningPod(client, namespace, name);
  await client.patch(
    resources.pods,
    namespace,
    name,
    { metadata: { annotations: { [podControls.exitCode]: String(exitCode) } } },
    { strategy: 'merge' },
  );
}

/**
 * Plays the kubelet for a Pod's init containers, which KWOK's stages do not run: writes the
 * container statuses (and the phase, when given) a kubelet would. The Pod must carry no control
 * annotation, so KWOK leaves the status alone.
 */
export async function writeStepStatuses(
  client: KubeClient,
  namespace: string,
  name: string,
  status: {
    phase?: string;
    initContainerStatuses: Record<string, object>;
    containerStatuses: Record<string, object>;
  },
): Promise<void> {
  const list = (statuses: Record<string, object>, images: Record<string, string>) =>
    Object.entries(statuses).map(([container, state]) => ({
      name: container,
      image: images[container] ?? '',
      imageID: '',
      ready: false,
      restartCount: 0,
      state,
    }));
  const pod = await runningPod(client, namespace, name);
  const spec = pod.spec as { initContainers?: { name: string; image: string }[] } & {
    containers: { name: string; image: string }[];
  };
  const images = Object.fromEntries(
    [...(spec.initContainers ?? []), ...spec.containers].map((c) => [c.name, c.image]),
  );
  await client.patch(
    resources.pods,
    namespace,
    name,
    {
      status: {
        ...(status.phase ? { phase: status.phase } : {}),
        initContainerStatuses: list(status.initContainerStatuses, images),
        containerStatuses: list(status.containerStatuses, images),
      },
    },
    { subresource: 'status', strategy: 'merge' },
  );
}

export const terminated = (exitCode: number, startedAt: string, finishedAt: string) => ({
  terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt, finishedAt },
});
export const running = (startedAt: string) => ({ running: { startedAt } });
export const podInitializing = { waiting: { reason: 'PodInitializing' } };
