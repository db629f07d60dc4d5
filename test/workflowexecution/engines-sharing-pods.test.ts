import { Registry } from '@roundhouse/core';
import { type KubeObject, resources } from '@roundhouse/kube';
import { PodExecutor } from '@roundhouse/pod';
import { TektonExecutor } from '@roundhouse/tekton';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { beforeAll, expect, it, vi } from 'vitest';
import { allowedImages, finishPod } from '../../packages/pod/test/drive.js';
import { type TektonDriver, tektonDriver } from '../support/tekton.js';
import { useController } from './controller-fixture.js';
import { manifest, patience } from './harness.js';

/** Keeps the stand-in task Pod readable once deleted, so a deletion shows and is undone after. */
const keep = 'roundhouse.test/keep';
const oneStep = { steps: [{ name: 'run', image: 'registry.invalid/run:1', script: 'true' }] };

/**
 * One controller with the tekton and the pod engines: Tekton copies a PipelineRun's labels and
 * annotations, the owner's among them, onto the Pods of its TaskRuns, in the namespace where
 * the pod engine's Pods are. The task Pod here is made by hand as Tekton makes it (the
 * PipelineRun's labels and annotations, Tekton's own labels, no owner reference for the garbage
 * collector to follow), so the test reads the same with real Tekton and without it.
 */
describeWithControlPlane('a controller with the tekton and pod engines', () => {
  const cluster = useController('engines-pods');
  const { client } = cluster;
  let tekton: TektonDriver;

  beforeAll(async () => {
    tekton = await tektonDriver(cluster.env);
    await tekton.prepare(client(), cluster.executionNamespace);
    // Without real Tekton its CRDs were just installed; the controller must find them served.
    await vi.waitFor(
      () => client().list(resources.pipelineRuns, cluster.executionNamespace),
      patience,
    );
    await cluster.start({
      // Sorted by name, the pod engine's Pods come before the PipelineRuns in orphan collection:
      // once the PipelineRun is gone, the Pods have been looked at.
      registry: (reader) =>
        new Registry()
          .register(new TektonExecutor(client(), { reader }))
          .register(new PodExecutor(client(), { reader, allowedImages })),
      policy: { bundles: [tekton.executionBundle, 'registry.invalid/*'] },
      cooldownMs: 600_000,
    });
  });

  it("leaves a tekton execution's task Pod to Tekton, and runs pod executions as before", async () => {
    const namespace = cluster.executionNamespace;
    const wfe = await cluster.apply(
      manifest({ engine: 'tekton', bundle: tekton.executionBundle, parameters: { REPLICAS: '1' } }),
    );
    const running = await cluster.waitForPhase(wfe.metadata.name, 'Running');
    const runName = running.status?.executionRef?.name as string;
    const run = (await client().get(resources.pipelineRuns, namespace, runName)) as KubeObject;
    await tekton.succeed(client(), namespace, runName);
    await cluster.waitForPhase(wfe.metadata.name, 'Completed');

    const taskPod = `${runName}-copied-pod`;
    await client().create(resources.pods, namespace, {
      metadata: {
        name: taskPod,
        labels: {
          ...run.metadata?.labels,
          'tekton.dev/pipelineRun': runName,
          'tekton.dev/pipelineTask': 'copied',
        },
        annotations: { ...run.metadata?.annotations },
        finalizers: [keep],
      },
      spec: { containers: [{ name: 'step-deploy', image: 'registry.invalid/deploy:1' }] },
    });
    try {
      // A pod execution after the task Pod: the pod engine's cache has seen that Pod by now.
      const pod = await cluster.apply(manifest({ engine: 'pod', engineConfig: oneStep }));
      const started = await cluster.waitForPhase(pod.metadata.name, 'Running');
      await finishPod(client(), namespace, started.status?.executionRef?.name as string, 0);
      await cluster.waitForPhase(pod.metadata.name, 'Completed');

      // The tekton execution goes without its cleanup: orphan collection deletes its run.
      await client().patch(workflowExecutions, cluster.env.namespace, wfe.metadata.name, {
        metadata: { finalizers: null },
      });
      await client().delete(workflowExecutions, cluster.env.namespace, wfe.metadata.name);
      await vi.waitFor(
        async () =>
          expect(await client().get(resources.pipelineRuns, namespace, runName)).toBeNull(),
        patience,
      );
      const after = await client().get(resources.pods, namespace, taskPod);
      expect(after?.metadata?.deletionTimestamp).toBeUndefined();
      expect(after?.metadata?.finalizers).toEqual([keep]);
    } finally {
      await client().patch(resources.pods, namespace, taskPod, { metadata: { finalizers: null } });
      await client().delete(resources.pods, namespace, taskPod);
    }
  });
});
