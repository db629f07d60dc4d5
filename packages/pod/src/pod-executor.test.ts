import { KubeConfig } from '@kubernetes/client-node';
import { sampleExecution } from '@roundhouse/core/testing';
import { KubeClient, type KubeObject, type ResourceType } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { PodExecutor } from './pod-executor.js';

/** An API server that accepts every create and keeps what it was sent. */
class RecordingServer extends KubeClient {
  readonly created: KubeObject[] = [];
  constructor() {
    super(new KubeConfig());
  }
  override async create<T extends KubeObject>(
    _type: ResourceType,
    _namespace: string | undefined,
    body: T,
  ) {
    this.created.push(body);
    return { object: body, warnings: [] };
  }
}

describe('PodExecutor', () => {
  it('gives a Pod the default deadline when spec.timesOutAt is further away', async () => {
    const server = new RecordingServer();
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
    expect(server.created).toMatchObject([{ spec: { activeDeadlineSeconds: 3600 } }]);
  });
});
