import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { TektonExecutor } from '@roundhouse/tekton';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { makeExecution } from './drive.js';
import { standInPipelineRunCrd } from './stand-in-crd.js';

/**
 * A stand-in PipelineRun CRD no Tekton controller watches, so the run stays as the test
 * leaves it; the control plane's garbage collector does run.
 */
const standInGroup = 'repeat-delete.tekton.roundhouse.test';
const standInCrd = standInPipelineRunCrd(standInGroup);
const hold = 'roundhouse.test/hold';

describeWithControlPlane('cleanup of a run someone else deleted in the background', () => {
  const env = useTestNamespace();
  let client: KubeClient;

  beforeAll(async () => {
    client = new KubeClient(env.kubeConfig);
    await client.create(resources.customResourceDefinitions, undefined, standInCrd);
  });

  afterAll(async () => {
    await client?.delete(resources.customResourceDefinitions, undefined, standInCrd.metadata.name);
  });

  it('makes it go in the foreground, so its children do not outlive it while another finalizer holds it', async () => {
    const executor = new TektonExecutor(client, { apiGroup: standInGroup });
    const type = { ...resources.pipelineRuns, group: standInGroup };
    const wfe = makeExecution();
    const { resourceName: run } = await vi.waitFor(() => executor.create(wfe, env.namespace), {
      timeout: 60_000,
      interval: 200,
    });
    // Another finalizer holds the run (Tekton Results adds one); a ConfigMap it owns, held by
    // its own finalizer, stands in for a TaskRun the garbage collector has to delete.
    const held = await client.patch<KubeObject>(
      type,
      env.namespace,
      run,
      { metadata: { finalizers: [hold] } },
      { strategy: 'merge' },
    );
    const child = `${run}-task`;
    await client.create(resources.configMaps, env.namespace, {
      metadata: {
        name: child,
        finalizers: [hold],
        ownerReferences: [
          {
            apiVersion: `${standInGroup}/v1`,
            kind: 'PipelineRun',
            name: run,
            uid: held.metadata?.uid as string,
            blockOwnerDeletion: true,
          },
        ],
      },
    });
    try {
      await client.delete(type, env.namespace, run, { propagationPolicy: 'Background' });
      await executor.cleanup(wfe, env.namespace);
      const stored = await client.get<KubeObject>(type, env.namespace, run);
      expect(stored?.metadata?.finalizers).toEqual(expect.arrayContaining(['foregroundDeletion']));
      // The garbage collector deletes the child while the run waits for it.
      await vi.waitFor(
        async () => {
          const left = await client.get<KubeObject>(resources.configMaps, env.namespace, child);
          expect(left?.metadata?.deletionTimestamp).toBeDefined();
        },
        { timeout: 60_000, interval: 250 },
      );
    } finally {
      for (const [kind, name] of [
        [resources.configMaps, child],
        [type, run],
      ] as const) {
        await client
          .patch(
            kind,
            env.namespace,
            name,
            { metadata: { finalizers: null } },
            { strategy: 'merge' },
          )
          .catch(() => undefined);
      }
    }
  });
});
