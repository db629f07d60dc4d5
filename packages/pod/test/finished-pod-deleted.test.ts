import { PreviousExecutionNotCleanedError, type WorkflowExecution } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { KubeClient, type KubeObject, type Reader, resources } from '@roundhouse/kube';
import { PodExecutor } from '@roundhouse/pod';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import {
  allowedImages,
  patience,
  runningPod,
  terminated,
  withSteps,
  writeStepStatuses,
} from './drive.js';

let sequence = 0;
function execution(target?: string): WorkflowExecution {
  sequence += 1;
  const wfe = sampleExecution({
    name: `kept-${sequence}`,
    spec: { targetResource: target ?? `team-a/deployment/kept-${sequence}` },
  });
  return withSteps({ ...wfe, metadata: { ...wfe.metadata, uid: `kept-uid-${sequence}` } });
}

const withRef = (wfe: WorkflowExecution, name: string): WorkflowExecution => ({
  ...wfe,
  status: { executionRef: { name } },
});

// Whole seconds well before the deletion, as a Pod that ended long before PodGC came.
const at = (s: number) => new Date(Date.UTC(2026, 0, 2, 3, 0, s)).toISOString().replace('.000', '');

describeWithControlPlane('a pod engine Pod deleted before its result was recorded', () => {
  const env = useTestNamespace();
  const client = () => new KubeClient(env.kubeConfig);
  const executor = (reader?: Reader) => new PodExecutor(client(), { allowedImages, reader });
  const podOf = (name: string) => client().get<KubeObject>(resources.pods, env.namespace, name);

  /** Plays the kubelet ending every step with exit code 0 and the Pod Succeeded. */
  async function succeed(name: string) {
    await writeStepStatuses(client(), env.namespace, name, {
      phase: 'Succeeded',
      initContainerStatuses: {
        fetch: terminated(0, at(1), at(2)),
        build: terminated(0, at(2), at(3)),
      },
      containerStatuses: { report: terminated(0, at(3), at(4)) },
    });
  }

  it('is adopted by a retried start, which reads its outcome and never runs its steps again', async () => {
    const wfe = execution();
    const { resourceName } = await executor().create(wfe, env.namespace);
    const first = await runningPod(client(), env.namespace, resourceName);
    await succeed(resourceName);
    // PodGC past --terminated-pod-gc-threshold deletes it; the controller that created it
    // crashed before it recorded the execution as Running.
    await client().delete(resources.pods, env.namespace, resourceName);
    const retried = await executor().create(wfe, env.namespace);
    expect(retried).toMatchObject({ resourceName, adoptedKind: 'Pod' });
    expect((await podOf(resourceName))?.metadata?.uid).toBe(first.metadata?.uid);
    const ref = withRef(wfe, resourceName);
    expect(await executor().getStatus(ref, env.namespace)).toMatchObject({
      phase: 'Completed',
      summary: { completedTasks: 3, totalTasks: 3 },
    });
    await executor().cleanup(ref, env.namespace);
    await vi.waitFor(async () => expect(await podOf(resourceName)).toBeNull(), patience);
    const next = execution(wfe.spec.targetResource);
    const created = await executor().create(next, env.namespace);
    expect(created.adoptedKind).toBeUndefined();
    await executor().cleanup(withRef(next, created.resourceName), env.namespace);
  });

  it('reads as deleted, not started again, when it was deleted while it ran', async () => {
    const wfe = execution();
    const { resourceName } = await executor().create(wfe, env.namespace);
    const first = await runningPod(client(), env.namespace, resourceName);
    await client().delete(resources.pods, env.namespace, resourceName);
    const retried = await executor().create(wfe, env.namespace);
    expect(retried.adoptedKind).toBe('Pod');
    expect((await podOf(resourceName))?.metadata?.uid).toBe(first.metadata?.uid);
    const ref = withRef(wfe, resourceName);
    expect(await executor().getStatus(ref, env.namespace)).toBeNull();
    await executor().cleanup(ref, env.namespace);
    await vi.waitFor(async () => expect(await podOf(resourceName)).toBeNull(), patience);
  });

  it("is not adopted by another execution, which waits for the owner's cleanup", async () => {
    const wfe = execution();
    const { resourceName } = await executor().create(wfe, env.namespace);
    await runningPod(client(), env.namespace, resourceName);
    await succeed(resourceName);
    await client().delete(resources.pods, env.namespace, resourceName);
    const other = execution(wfe.spec.targetResource);
    await expect(executor().create(other, env.namespace)).rejects.toBeInstanceOf(
      PreviousExecutionNotCleanedError,
    );
    await executor().cleanup(withRef(wfe, resourceName), env.namespace);
    await vi.waitFor(async () => expect(await podOf(resourceName)).toBeNull(), patience);
  });

  it('goes at once when deleted after its result was recorded, and cleanup then only deletes what is left', async () => {
    const wfe = execution();
    const { resourceName } = await executor().create(wfe, env.namespace);
    await runningPod(client(), env.namespace, resourceName);
    await succeed(resourceName);
    const ref = withRef(wfe, resourceName);
    expect(await executor().getStatus(ref, env.namespace)).toMatchObject({ phase: 'Completed' });
    await executor().resultRecorded(ref, env.namespace);
    expect((await podOf(resourceName))?.metadata?.finalizers ?? []).toEqual([]);
    // Told again (a retried reconcile): nothing left to take off.
    await executor().resultRecorded(ref, env.namespace);
    // A drain during the cooldown: nothing holds the Pod now.
    await client().delete(resources.pods, env.namespace, resourceName);
    await vi.waitFor(async () => expect(await podOf(resourceName)).toBeNull(), patience);
    await executor().cleanup(ref, env.namespace);
  });

  it("keeps another's finalizer when a stale read misplaces its own", async () => {
    const wfe = execution();
    const { resourceName } = await executor().create(wfe, env.namespace);
    const asCreated = await runningPod(client(), env.namespace, resourceName);
    const hold = 'example.com/hold';
    await client().patch(
      resources.pods,
      env.namespace,
      resourceName,
      [{ op: 'add', path: '/metadata/finalizers/0', value: hold }],
      { strategy: 'json' },
    );
    // A cache behind the finalizer just added: the engine's finalizer is not where it shows it.
    const stale: Reader = {
      get: async () => structuredClone(asCreated) as never,
      list: async () => ({ items: [], resourceVersion: '1' }),
    };
    await executor(stale).cleanup(withRef(wfe, resourceName), env.namespace);
    const left = await podOf(resourceName);
    expect(left?.metadata?.deletionTimestamp).toBeDefined();
    expect(left?.metadata?.finalizers).toEqual([hold]);
    await client().patch(
      resources.pods,
      env.namespace,
      resourceName,
      [
        { op: 'test', path: '/metadata/finalizers/0', value: hold },
        { op: 'remove', path: '/metadata/finalizers/0' },
      ],
      { strategy: 'json' },
    );
    await vi.waitFor(async () => expect(await podOf(resourceName)).toBeNull(), patience);
  });
});
