import type { Logger } from '@roundhouse/core';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import { EventRecorder } from '../src/index.js';

type Event = KubeObject & {
  involvedObject?: Record<string, unknown>;
  reason?: string;
  message?: string;
  type?: string;
  reportingComponent?: string;
  count?: number;
};

describeWithControlPlane('EventRecorder on a real API server', () => {
  const env = useTestNamespace();

  it('records events that name the object, as kubectl describe finds them', async () => {
    const client = new KubeClient(env.kubeConfig);
    const { object } = await client.create<KubeObject>(resources.configMaps, env.namespace, {
      metadata: { name: 'subject' },
    });
    const recorder = new EventRecorder(client, 'roundhouse-test', { instance: 'test-pod' });
    await recorder.record(object, 'Normal', 'Started', 'execution started');
    await recorder.record(object, 'Warning', 'Failed', 'exit code 3');
    const { items } = await client.list<Event>(resources.events, env.namespace, {
      fieldSelector: `involvedObject.uid=${object.metadata?.uid}`,
    });
    expect(items.map((e) => [e.type, e.reason, e.message, e.reportingComponent]).sort()).toEqual([
      ['Normal', 'Started', 'execution started', 'roundhouse-test'],
      ['Warning', 'Failed', 'exit code 3', 'roundhouse-test'],
    ]);
    expect(items[0]?.involvedObject).toMatchObject({
      kind: 'ConfigMap',
      name: 'subject',
      namespace: env.namespace,
    });
  });

  it('counts a repeated event in the first one, as kubectl describe shows it (x3)', async () => {
    const client = new KubeClient(env.kubeConfig);
    const { object } = await client.create<KubeObject>(resources.configMaps, env.namespace, {
      metadata: { name: 'repeated' },
    });
    const recorder = new EventRecorder(client, 'roundhouse-test');
    const outcomes = [];
    for (let i = 0; i < 3; i += 1)
      outcomes.push(await recorder.record(object, 'Warning', 'SyncFailed', 'backend refused'));
    expect(outcomes).toEqual(['created', 'counted', 'counted']);
    const { items } = await client.list<Event>(resources.events, env.namespace, {
      fieldSelector: `involvedObject.uid=${object.metadata?.uid}`,
    });
    expect(items.map((e) => [e.reason, e.message, e.count])).toEqual([
      ['SyncFailed', 'backend refused', 3],
    ]);
  });

  it('says a keyed event recorded again exists, and records it once', async () => {
    const client = new KubeClient(env.kubeConfig);
    const { object } = await client.create<KubeObject>(resources.configMaps, env.namespace, {
      metadata: { name: 'keyed' },
    });
    const recorder = new EventRecorder(client, 'roundhouse-test');
    const record = () =>
      recorder.record(object, 'Normal', 'ExecutionCreated', 'created', { key: 'ExecutionCreated' });
    expect(await record()).toBe('created');
    expect(await record()).toBe('exists');
    const { items } = await client.list<Event>(resources.events, env.namespace, {
      fieldSelector: `involvedObject.uid=${object.metadata?.uid}`,
    });
    expect(items.map((e) => e.reason)).toEqual(['ExecutionCreated']);
  });

  it('never throws: a refused event is logged', async () => {
    const nobody = new KubeClient(await env.userKubeConfig('no-rights'));
    const warn = vi.fn();
    const logger: Logger = { debug: () => {}, info: () => {}, warn, error: () => {} };
    const recorder = new EventRecorder(nobody, 'roundhouse-test', { logger });
    const outcome = await recorder.record(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: env.namespace } },
      'Normal',
      'Started',
      'hello',
    );
    expect(outcome).toBe('failed');
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ reason: 'Forbidden', eventReason: 'Started' }),
      'could not record event',
    );
  });
});
