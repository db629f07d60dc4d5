import { KubeConfig } from '@kubernetes/client-node';
import { InformerCache } from '@roundhouse/controller';
import { conventionKeys, type ExecutionWatch, roundhouseConventions } from '@roundhouse/core';
import {
  type KubeClient,
  type KubeObject,
  type ListOptions,
  resources,
  type WatchOptions,
  type WatchOutcome,
} from '@roundhouse/kube';
import { afterEach, expect, it } from 'vitest';
import { byOwner, podInformers } from './pod-informers.js';

const keys = conventionKeys(roundhouseConventions);

/** A client whose list answers `objects` as the API server does, recording what it was asked. */
function listingClient(objects: KubeObject[], asked: ListOptions[]): KubeClient {
  return {
    list: async (_type: unknown, _namespace: unknown, options: ListOptions = {}) => {
      asked.push(options);
      return { items: objects.map((o) => options.transform?.(o) ?? o), resourceVersion: '10' };
    },
    watch: (_t: unknown, _n: unknown, _e: unknown, options: WatchOptions) =>
      new Promise<WatchOutcome>((resolve) =>
        options.signal?.addEventListener('abort', () => resolve({ end: 'stopped' })),
      ),
  } as unknown as KubeClient;
}

const caches: InformerCache[] = [];
afterEach(async () => {
  await Promise.all(caches.splice(0).map((cache) => cache.stop()));
});

it("caches the engine's Pods as its watch's transform trims them, selected by its watch's terms", async () => {
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'run-pod',
      namespace: 'ci',
      uid: 'p-1',
      resourceVersion: '3',
      labels: { [keys.workflowExecutionLabel]: 'run', [keys.sourceNamespaceLabel]: 'ci' },
    },
    spec: { containers: [{ name: 'step', args: ['x'.repeat(10_000)] }] },
  };
  // An engine whose Pods carry what it never reads back: it keeps only metadata and status.
  const trimmed = ({ spec: _, ...rest }: { spec?: unknown }) => rest;
  const watch: ExecutionWatch = {
    resource: resources.pods,
    conventions: roundhouseConventions,
    deletion: 'Background',
    labelSelector: 'engine=pods',
    transform: trimmed,
  };
  const asked: ListOptions[] = [];
  const cache = new InformerCache(new KubeConfig(), { client: listingClient([pod], asked) });
  caches.push(cache);
  const [pods] = podInformers(cache, [watch], { namespace: 'ci' });
  await cache.start();

  const [cached] = pods?.informer.byIndex(byOwner, 'ci/run') ?? [];
  expect(cached?.metadata?.uid).toBe('p-1');
  expect(cached).not.toHaveProperty('spec');
  expect(asked[0]?.labelSelector?.split(',')).toContain('engine=pods');
});
