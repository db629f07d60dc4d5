import {
  ApiException,
  ApiextensionsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { beforeAll, expect, it } from 'vitest';
import { describeWithControlPlane, useTestNamespace } from '../src/vitest/index.js';

const group = 'tekton.dev';
const version = 'v1';

describeWithControlPlane('test-only Tekton CRDs', () => {
  const env = useTestNamespace();

  beforeAll(async () => {
    await env.installTektonCrds();
  });

  it('installs PipelineRun and TaskRun as served, Established tekton.dev/v1 kinds', async () => {
    const api = env.kubeConfig.makeApiClient(ApiextensionsV1Api);
    for (const name of ['pipelineruns.tekton.dev', 'taskruns.tekton.dev']) {
      const crd = await api.readCustomResourceDefinition({ name });
      expect(crd.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([
        ['v1', true, true],
      ]);
      expect(crd.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
    }
  });

  it('installing again is harmless', async () => {
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
