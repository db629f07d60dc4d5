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

/**
 * The controller, started on one worker over fake informers, with `get` answering its reads of
 * the cache; the test stops it with `stop`.
 */
async function startController(
  get: (type: ResourceType, namespace: string, name: string) => Promise<KubeObject | null>,
) {
  const informers = new Map<string, ReturnType<typeof fakeInformer>>();
  const informerFor = (type: ResourceType) => {
    const informer = informers.get(type.plural) ?? fakeInformer();
    informers.set(type.plural, informer);
    return informer;
  };
  const cache = {
    informerFor,
    get: vi.fn(get),
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
  const emit = (plural: string, event: string, object: KubeObject) =>
    informers.get(plural)?.emit(event, object);
  const stop = async () => {
    abort.abort();
    await running;
  };
  return { emit, stop };
}

const keys = conventionKeys(roundhouseConventions);

it('reconciles a run whose Pod changed ahead of new runs waiting to start', async () => {
  let release: () => void = () => {};
  const blocked = new Promise<void>((resolve) => {
    release = resolve;
  });
  const reconciled: string[] = [];
  // Every run is gone by the time it is read, so a reconcile sends nothing; the first one
  // holds the only worker until the test has queued the others.
  const { emit, stop } = await startController(async (type, _namespace, name) => {
    if (type === taskRuns) {
      reconciled.push(name);
      if (name === 'first') await blocked;
    }
    return null;
  });
  const run = (name: string): KubeObject => ({ metadata: { name, namespace: 'ci' } });
  emit('taskruns', 'add', run('first'));
  await vi.waitFor(() => expect(reconciled).toEqual(['first']));
  emit('taskruns', 'add', run('new'));
  emit('pods', 'update', {
    metadata: {
      name: 'pod-of-finished',
      namespace: 'ci',
      labels: { [keys.workflowExecutionLabel]: 'finished', [keys.sourceNamespaceLabel]: 'ci' },
    },
  });
  release();
  await vi.waitFor(() => expect(reconciled).toHaveLength(3));
  await stop();
  expect(reconciled).toEqual(['first', 'finished', 'new']);
});

it('reconciles no run for a Pod in another namespace whose labels claim it', async () => {
  const reconciled: string[] = [];
  const { emit, stop } = await startController(async (type, namespace, name) => {
    if (type === taskRuns) reconciled.push(`${namespace}/${name}`);
    return null;
  });
  const pod = (namespace: string, run: string): KubeObject => ({
    metadata: {
      name: `pod-${run}`,
      namespace,
      labels: { [keys.workflowExecutionLabel]: run, [keys.sourceNamespaceLabel]: 'ci' },
    },
  });
  // A run's Pod lives beside it: whoever may create Pods elsewhere cannot wake ci's runs.
  emit('pods', 'update', pod('elsewhere', 'claimed'));
  emit('pods', 'update', pod('ci', 'own'));
  await vi.waitFor(() => expect(reconciled).toEqual(['ci/own']));
  await stop();
  expect(reconciled).toEqual(['ci/own']);
});
