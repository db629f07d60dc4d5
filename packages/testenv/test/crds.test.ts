import { readFile } from 'node:fs/promises';
import {
  ApiException,
  ApiextensionsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { beforeAll, expect, it } from 'vitest';
import { applyCrds, parseCrds } from '../src/crds.js';
import { describeWithControlPlane, tektonCrdFiles, useTestNamespace } from '../src/vitest/index.js';

/**
 * The CRDs are installed under a group of their own: real Tekton may serve tekton.dev on the
 * shared plane, and its controller would reconcile what these tests write.
 */
const group = 'fallback.tekton.roundhouse.test';
const version = 'v1';

async function installFallbackCrds(kubeConfig: Parameters<typeof applyCrds>[0]) {
  const crds = await Promise.all(
    Object.values(tektonCrdFiles).map(async (file) =>
      parseCrds(await readFile(file, 'utf8'), file),
    ),
  );
  await applyCrds(
    kubeConfig,
    crds.flat().map((crd) => ({
      ...crd,
      metadata: { ...crd.metadata, name: `${crd.spec.names.plural}.${group}` },
      spec: { ...crd.spec, group },
    })),
  );
}

describeWithControlPlane('test-only Tekton CRDs', () => {
  const env = useTestNamespace();

  beforeAll(async () => {
    await installFallbackCrds(env.kubeConfig);
  });

  it('installs PipelineRun and TaskRun as served, Established v1 kinds', async () => {
    const api = env.kubeConfig.makeApiClient(ApiextensionsV1Api);
    for (const name of [`pipelineruns.${group}`, `taskruns.${group}`]) {
      const crd = await api.readCustomResourceDefinition({ name });
      expect(crd.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([
        ['v1', true, true],
      ]);
      expect(crd.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
    }
  });

  it('installing again is harmless', async () => {
    await expect(installFallbackCrds(env.kubeConfig)).resolves.toBeUndefined();
    await expect(env.installTektonCrds()).resolves.toBeUndefined();
  });

  it('keeps unknown spec fields and lets a test drive status through /status only', async () => {
    const objects = env.kubeConfig.makeApiClient(CustomObjectsApi);
    const namespace = env.namespace;
    const spec = {
      pipelineRef: {
        resolver: 'bundles',
        params: [{ name: 'bundle', value: 'r.example/p@sha256:0' }],
      },
      params: [{ name: 'target', value: 'db-1' }],
      timeouts: { pipeline: '1h' },
    };
    await objects.createNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: 'pipelineruns',
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'PipelineRun',
        metadata: { name: 'run-1' },
        spec,
        status: { conditions: [{ type: 'Succeeded', status: 'True' }] },
      },
    });
    const created = await objects.getNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: 'pipelineruns',
      name: 'run-1',
    });
    expect(created.spec).toEqual(spec);
    expect(created.status).toBeUndefined();

    const condition = {
      type: 'Succeeded',
      status: 'False',
      reason: 'Failed',
      message: 'task t failed',
    };
    await objects.patchNamespacedCustomObjectStatus(
      {
        group,
        version,
        namespace,
        plural: 'pipelineruns',
        name: 'run-1',
        body: {
          status: {
            conditions: [condition],
            childReferences: [{ kind: 'TaskRun', name: 'run-1-t' }],
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const updated = await objects.getNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: 'pipelineruns',
      name: 'run-1',
    });
    expect(updated.status.conditions).toEqual([condition]);
    expect(updated.status.childReferences).toEqual([{ kind: 'TaskRun', name: 'run-1-t' }]);
  });

  it('rejects a PipelineRun whose spec is not an object', async () => {
    const objects = env.kubeConfig.makeApiClient(CustomObjectsApi);
    const error = await objects
      .createNamespacedCustomObject({
        group,
        version,
        namespace: env.namespace,
        plural: 'taskruns',
        body: {
          apiVersion: `${group}/${version}`,
          kind: 'TaskRun',
          metadata: { name: 'bad' },
          spec: 'x',
        },
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBe(422);
  });
});
