/**
 * The pod engine's watch transform (`cachedPod`) on a real control plane: an informer of the
 * engine's Pods, scoped and trimmed as a controller's is, holds each Pod without its steps'
 * scripts and environment, and the engine reads the same steps and verdict from it as live.
 */
import { executionWatchScope, InformerCache } from '@roundhouse/controller';
import type { WorkflowExecution } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { PodExecutor } from '@roundhouse/pod';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterEach, expect, it, vi } from 'vitest';
import {
  allowedImages,
  patience,
  podInitializing,
  running,
  terminated,
  withSteps,
  writeStepStatuses,
} from './drive.js';

/** Parameters of 100 KB, which every step's environment carries and the cache must not. */
const parameters = Object.fromEntries(['A', 'B', 'C', 'D'].map((k) => [k, k.repeat(25_000)]));

type Pod = KubeObject & { spec?: { initContainers?: object[]; containers?: object[] } };

describeWithControlPlane('the pod engine caches its Pods without their steps', () => {
  const env = useTestNamespace();
  const client = () => new KubeClient(env.kubeConfig);
  let cache: InformerCache | undefined;

  afterEach(async () => {
    await cache?.stop();
  });

  it("reads a run's steps and its failure from a cache holding no script or environment", async () => {
    const api = client();
    cache = new InformerCache(env.kubeConfig, { client: api });
    const executor = new PodExecutor(api, { allowedImages, reader: cache });
    for (const watch of executor.watches ?? []) {
      cache.informerFor(resources.pods, executionWatchScope(watch, env.namespace));
    }
    await cache.start();
    const sample = sampleExecution({ name: 'cached', spec: { parameters } });
    const wfe: WorkflowExecution = withSteps({
      ...sample,
      metadata: { ...sample.metadata, uid: 'uid-cached' },
    });
    const { resourceName } = await executor.create(wfe, env.namespace);
    const ref = { ...wfe, status: { executionRef: { name: resourceName } } };
    const at = (s: number) =>
      new Date(Date.UTC(2026, 0, 2, 3, 0, s)).toISOString().replace('.000', '');

    /**
     * The engine's reading of the Pod through the cache once it shows `reason`, when a live read
     * gives the same: the fake node may write the Pod again between the two reads.
     */
    const read = (reason: string) =>
      vi.waitFor(async () => {
        const cached = await executor.getStepStatus(ref, env.namespace);
        expect(cached?.result.reason).toBe(reason);
        expect(cached).toEqual(await executor.getStepStatus(ref, env.namespace, { fresh: true }));
        return cached;
      }, patience);

    await writeStepStatuses(api, env.namespace, resourceName, {
      initContainerStatuses: { fetch: terminated(0, at(1), at(2)), build: running(at(2)) },
      containerStatuses: { report: podInitializing },
    });
    await read('StepRunning');

    const live = await api.get<Pod>(resources.pods, env.namespace, resourceName);
    const held = await cache.get<Pod>(resources.pods, env.namespace, resourceName);
    expect(JSON.stringify(live)).toContain(parameters.A);
    expect(held?.metadata).toMatchObject({
      uid: live?.metadata?.uid,
      labels: live?.metadata?.labels,
      annotations: live?.metadata?.annotations,
      finalizers: live?.metadata?.finalizers,
    });
    expect(held?.spec?.initContainers).toEqual([
      { name: 'fetch', command: ['/bin/sh', '-e', '-c', ''] },
      { name: 'build', command: ['/bin/sh', '-e', '-c', ''] },
    ]);
    expect(JSON.stringify(held).length).toBeLessThan(JSON.stringify(live).length / 50);

    await writeStepStatuses(api, env.namespace, resourceName, {
      phase: 'Failed',
      initContainerStatuses: {
        fetch: terminated(0, at(1), at(2)),
        build: terminated(3, at(2), at(4)),
      },
      containerStatuses: { report: podInitializing },
    });
    const failed = await read('StepFailed');
    expect(failed?.result).toMatchObject({ exitCode: 3, failedTaskName: 'build' });
    expect(failed?.steps.map((s) => s.state)).toEqual(['Succeeded', 'Failed', 'Skipped']);

    await executor.cleanup(ref, env.namespace);
    await vi.waitFor(async () => {
      expect(await api.get(resources.pods, env.namespace, resourceName)).toBeNull();
    }, patience);
  });
});
