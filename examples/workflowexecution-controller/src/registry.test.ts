import { KubeConfig } from '@kubernetes/client-node';
import { noopLogger, roundhouseConventions } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { KubeClient, type KubeObject, type ResourceType } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './config.js';
import { buildRegistry } from './registry.js';

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

describe('buildRegistry', () => {
  it.each([
    ['job', [], undefined, { spec: { activeDeadlineSeconds: 3600 } }],
    ['tekton', [], undefined, { spec: { timeouts: { pipeline: '1h' } } }],
    ['tekton', ['--default-timeout=20m'], undefined, { spec: { timeouts: { pipeline: '20m' } } }],
    ['job', [], 20, { spec: { activeDeadlineSeconds: 3600 } }],
    ['tekton', [], 20, { spec: { timeouts: { pipeline: '1h' } } }],
  ])(
    'gives a %s execution without a timeout the deadline of --default-timeout (flags %j, spec.timesOutAt %s hours away)',
    async (engine, flags, hoursToTimesOutAt, expected) => {
      const line = parseCommandLine([`--engines=${engine}`, ...flags], {});
      if (line.help) throw new Error('asked for help');
      const client = new RecordingServer();
      const { registry, close } = await buildRegistry(line.config, {
        client,
        reader: client,
        conventions: roundhouseConventions,
        logger: noopLogger,
      });
      const wfe = sampleExecution({
        spec: {
          workflowRef: { workflowId: 'w', version: '1', executionBundle: 'quay.io/acme/b:1' },
          executionEngine: engine,
          ...(hoursToTimesOutAt
            ? { timesOutAt: new Date(Date.now() + hoursToTimesOutAt * 3_600_000).toISOString() }
            : {}),
        },
      });
      await registry.get(engine).create(wfe, line.config.executionNamespace);
      await close();
      expect(client.created).toMatchObject([expected]);
    },
  );
});
