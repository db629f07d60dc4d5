import { KubeConfig } from '@kubernetes/client-node';
import type { InformerCache } from '@roundhouse/controller';
import { conventionKeys, roundhouseConventions } from '@roundhouse/core';
import type { KubeClient, KubeObject, ResourceType } from '@roundhouse/kube';
import { taskRuns } from '@roundhouse/pod';
import { expect, it, vi } from 'vitest';
import { createTaskRunController } from './controller.js';

type Handler = (obj: KubeObject, old?: KubeObject) => void;

/** An informer that has synced an empty cache and delivers the events a test hands it. */
function fakeInformer() {
  const handlers = new Map<string, Handler[]>();
  const informer = {
    on(event: string, handler: Handler) {
      handlers.set(event, [...(handlers.get(event) ?? []), handler]);
      return informer;
    },
    addIndex: () => informer,
    byIndex: () => [],
    list: () => [],
    hasSynced: () => true,
    start: async () => {},
    stop: async () => {},
    observe: () => {},
    emit(event: string, obj: KubeObject) {
      for (const handler of handlers.get(event) ?? []) handler(obj);
    },
  };
  return informer;
}

it('reconciles a run whose Pod changed ahead of new runs waiting to start', async () => {
  const informers = new Map<string, ReturnType<typeof fakeInformer>>();
  const informerFor = (type: ResourceType) => {
    const informer = informers.get(type.plural) ?? fakeInformer();
    informers.set(type.plural, informer);
    return informer;
  };
  let release: () => void = () => {};
  const blocked = new Promise<void>((resolve) => {
    release = resolve;
  });
  const reconciled: string[] = [];
  const cache = {
    informerFor,
    // Every run is gone by the time it is read, so a reconcile sends nothing; the first one
    // holds the only worker until the test has queued the others.
    get: vi.fn(async (type: ResourceType, _namespace: string, name: string) => {
      if (type === taskRuns) {
        reconciled.push(name);
        if (name === 'first') await blocked;
      }
      return null;
    }),
    list: async () => ({ items: [], resourceVersion: '1' }),
  };
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const { controller } = createTaskRunController({
    kubeConfig,
    client: {} as KubeClient,
    cache: cache as unknown as InformerCache,
    workers: 1,
  });
  const abort = new AbortController();
  const running = controller.start(abort.signal);
  await vi.waitFor(() => expect(controller.ready).toBe(true));
  const run = (name: string): KubeObject => ({ metadata: { name, namespace: 'ci' } });
  informers.get('taskruns')?.emit('add', run('first'));
  await vi.waitFor(() => expect(reconciled).toEqual(['first']));
  informers.get('taskruns')?.emit('add', run('new'));
  const keys = conventionKeys(roundhouseConventions);
  informers.get('pods')?.emit('update', {
    metadata: {
      name: 'pod-of-finished',
      namespace: 'ci',
      labels: { [keys.workflowExecutionLabel]: 'finished', [keys.sourceNamespaceLabel]: 'ci' },
    },
  });
  release();
  await vi.waitFor(() => expect(reconciled).toHaveLength(3));
  abort.abort();
  await running;
  expect(reconciled).toEqual(['first', 'finished', 'new']);
});

it('reconciles no run for a Pod in another namespace whose labels claim it', async () => {
  const informers = new Map<string, ReturnType<typeof fakeInformer>>();
  const informerFor = (type: ResourceType) => {
    const informer = informers.get(type.plural) ?? fakeInformer();
    informers.set(type.plural, informer);
    return informer;
  };
  const reconciled: string[] = [];
  const cache = {
    informerFor,
    get: vi.fn(async (type: ResourceType, namespace: string, name: string) => {
      if (type === taskRuns) reconciled.push(`${namespace}/${name}`);
      return null;
    }),
    list: async () => ({ items: [], resourceVersion: '1' }),
  };
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const { controller } = createTaskRunController({
    kubeConfig,
    client: {} as KubeClient,
    cache: cache as unknown as InformerCache,
    workers: 1,
  });
  const abort = new AbortController();
  const running = controller.start(abort.signal);
  await vi.waitFor(() => expect(controller.ready).toBe(true));
  const keys = conventionKeys(roundhouseConventions);
  const pod = (namespace: string, run: string): KubeObject => ({
    metadata: {
      name: `pod-${run}`,
      namespace,
      labels: { [keys.workflowExecutionLabel]: run, [keys.sourceNamespaceLabel]: 'ci' },
    },
  });
  // A run's Pod lives beside it: whoever may create Pods elsewhere cannot wake ci's runs.
  informers.get('pods')?.emit('update', pod('elsewhere', 'claimed'));
  informers.get('pods')?.emit('update', pod('ci', 'own'));
  await vi.waitFor(() => expect(reconciled).toEqual(['ci/own']));
  abort.abort();
  await running;
  expect(reconciled).toEqual(['ci/own']);
});
