import { Registry, roundhouseConventions } from '@roundhouse/core';
import { KubeClient, resources } from '@roundhouse/kube';
import { PodExecutor, podResultFinalizer } from '@roundhouse/pod';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { beforeAll, expect, it, vi } from 'vitest';
import {
  allowedImages,
  patience,
  runningPod,
  terminated,
  threeSteps,
  writeStepStatuses,
} from '../packages/pod/test/drive.js';
import { apply, manifest, startController, waitForPhase } from './workflowexecution/harness.js';

// Whole seconds well before the deletion, as a Pod that ended long before PodGC came.
const at = (s: number) => new Date(Date.UTC(2026, 0, 2, 3, 0, s)).toISOString().replace('.000', '');

describeWithControlPlane('a pod engine Pod deleted while its controller was down', () => {
  const env = useTestNamespace({ prefix: 'pod-kept' });
  const client = () => new KubeClient(env.kubeConfig);
  let executionNamespace: string;

  beforeAll(async () => {
    executionNamespace = await env.controlPlane.createNamespace('pod-kept-exec');
  });

  const start = () =>
    startController({
      kubeConfig: env.kubeConfig,
      registry: (reader) =>
        new Registry().register(new PodExecutor(client(), { reader, allowedImages })),
      watchNamespace: env.namespace,
      executionNamespace,
      cooldownMs: 2_000,
    });

  /** An execution whose Pod runs, and the controller stopped: what follows happens while none runs. */
  const runningThenStopped = async () => {
    const first = await start();
    const wfe = await apply(
      client(),
      env.namespace,
      manifest({ engine: 'pod', engineConfig: threeSteps }),
    );
    const running = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Running');
    const name = running.status?.executionRef?.name as string;
    const pod = await runningPod(client(), executionNamespace, name);
    await first.stop();
    return { wfe, name, pod };
  };

  it('has the outcome its steps had recorded, and the Pod removed after the cooldown', async () => {
    const { wfe, name } = await runningThenStopped();
    // While no controller watches: the steps succeed, and PodGC deletes the finished Pod.
    await writeStepStatuses(client(), executionNamespace, name, {
      phase: 'Succeeded',
      initContainerStatuses: {
        fetch: terminated(0, at(1), at(2)),
        build: terminated(0, at(2), at(3)),
      },
      containerStatuses: { report: terminated(0, at(3), at(4)) },
    });
    await client().delete(resources.pods, executionNamespace, name);
    const second = await start();
    try {
      const done = await waitForPhase(client(), env.namespace, wfe.metadata.name, 'Completed');
      expect(done.status?.executionStatus).toMatchObject({ status: 'True', completedTasks: 3 });
      await vi.waitFor(
        async () => expect(await client().get(resources.pods, executionNamespace, name)).toBeNull(),
        patience,
      );
    } finally {
      await second.stop();
    }
  });

  it("deletes, finalizer and all, the Pod of an execution deleted with its own finalizer removed while no controller ran, so the Pod's name (its target's lock) is free", async () => {
    const { wfe, name, pod } = await runningThenStopped();
    expect(pod.metadata?.finalizers).toContain(podResultFinalizer(roundhouseConventions));
    // Forced by hand while the controller is down: no cleanup will run for this execution.
    await client().patch(workflowExecutions, env.namespace, wfe.metadata.name, {
      metadata: { finalizers: null },
    });
    await client().delete(workflowExecutions, env.namespace, wfe.metadata.name);
    const second = await start();
    try {
      await vi.waitFor(
        async () => expect(await client().get(resources.pods, executionNamespace, name)).toBeNull(),
        patience,
      );
    } finally {
      await second.stop();
    }
  });
});
