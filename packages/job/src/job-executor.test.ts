import { KubeConfig } from '@kubernetes/client-node';
import { sampleExecution } from '@roundhouse/core/testing';
import { KubeClient, type KubeObject, type ResourceType } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { JobExecutor } from './job-executor.js';

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

describe('JobExecutor', () => {
  it('gives a Job the default deadline when spec.timesOutAt is further away', async () => {
    const server = new RecordingServer();
    const wfe = sampleExecution({
      spec: {
        workflowRef: { workflowId: 'w', version: '1', executionBundle: 'quay.io/acme/b:1' },
        timesOutAt: new Date(Date.now() + 20 * 3_600_000).toISOString(),
      },
    });
    await new JobExecutor(server, { defaultTimeout: '1h' }).create(wfe, 'workflows');
    expect(server.created).toMatchObject([{ spec: { activeDeadlineSeconds: 3600 } }]);
  });

  it('says an engineConfig is not used, unless the embedding controller builds the command from it', async () => {
    const engineConfig = { podTemplate: { hostNetwork: true }, command: ['sh', '-c', 'id'] };
    const wfe = sampleExecution({
      spec: {
        workflowRef: {
          workflowId: 'w',
          version: '1',
          executionBundle: 'quay.io/acme/b:1',
          engineConfig,
        },
      },
    });
    const server = new RecordingServer();
    const { warnings } = await new JobExecutor(server).create(wfe, 'workflows');
    expect(warnings).toEqual([
      'spec.workflowRef.engineConfig is not used by the job engine: the Job runs the bundle image as it is, with the parameters in its environment',
    ]);
    const plain = { ...wfe, spec: { ...wfe.spec, workflowRef: { ...wfe.spec.workflowRef } } };
    delete plain.spec.workflowRef.engineConfig;
    await new JobExecutor(server).create(plain, 'workflows');
    expect(server.created[0]).toEqual(server.created[1]);
    const embedded = new JobExecutor(server, { containerCommand: () => ({ command: ['run'] }) });
    expect((await embedded.create(wfe, 'workflows')).warnings).toEqual([]);
  });
});
