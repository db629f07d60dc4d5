import { KubeConfig } from '@kubernetes/client-node';
import { sampleExecution } from '@roundhouse/core/testing';
import { KubeClient } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { PodExecutor } from './pod-executor.js';

describe('PodExecutor', () => {
  it('gives a Pod the default deadline when spec.timesOutAt is further away', async () => {
    // An API server that accepts every create.
    const server = new KubeClient(new KubeConfig());
    const create = vi
      .spyOn(server, 'create')
      .mockImplementation(async (_type, _namespace, body) => ({ object: body, warnings: [] }));
    const wfe = sampleExecution({
      spec: {
        executionEngine: 'pod',
        workflowRef: {
          workflowId: 'w',
          version: '1',
          executionBundle: 'quay.io/acme/b:1',
          engineConfig: { steps: [{ name: 'run', image: 'quay.io/acme/run:1', script: 'true' }] },
        },
        timesOutAt: new Date(Date.now() + 20 * 3_600_000).toISOString(),
      },
    });
    const executor = new PodExecutor(server, {
      defaultTimeout: '1h',
      allowedImages: ['quay.io/acme/*'],
    });
    await executor.create(wfe, 'workflows');
    expect(create.mock.calls.map(([, , body]) => body)).toMatchObject([
      { spec: { activeDeadlineSeconds: 3600 } },
    ]);
  });
});
