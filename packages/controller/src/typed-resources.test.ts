/*
 * A resource's object type, as the cache and the write helpers infer it. The type-level cases are
 * checked by the compiler (`tsc -p tsconfig.json`, which CI runs): an `@ts-expect-error` over a
 * line that compiles is itself an error, so each refusal fails the type check the day it stops
 * being one.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeClient, KubeObject, Reader, ResourceType } from '@roundhouse/kube';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { addFinalizer } from './finalizers.js';
import type { Informer } from './informer.js';
import { InformerCache } from './informer-cache.js';
import { updateStatus } from './status.js';

type Widget = KubeObject & { spec: { size: number }; status?: { ready?: boolean } };
type Gadget = KubeObject & { spec: { colour: string } };

const widgets: ResourceType<Widget> = Object.freeze({
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
});

/** An API server of one widget, as much of a client as the cache and the helpers call. */
function widgetClient(): KubeClient {
  let stored: Widget = {
    metadata: { name: 'w1', namespace: 'ns', uid: 'u1', resourceVersion: '1' },
    spec: { size: 3 },
  };
  return {
    get: async () => structuredClone(stored),
    list: async () => ({ items: [structuredClone(stored)], resourceVersion: '1' }),
    patch: async (_type: unknown, _namespace: unknown, _name: unknown, patch: Partial<Widget>) => {
      const metadata = { ...stored.metadata, ...patch.metadata, resourceVersion: '2' };
      stored = { ...stored, ...patch, metadata };
      return structuredClone(stored);
    },
  } as unknown as KubeClient;
}

describe('a typed resource', () => {
  it("types the cache's reads and informers as its objects, with no type argument", async () => {
    const cache = new InformerCache(new KubeConfig(), { client: widgetClient() });
    const reader: Reader = cache;
    const one = await reader.get(widgets, 'ns', 'w1');
    expectTypeOf(one).toEqualTypeOf<Widget | null>();
    expect(one?.spec.size).toBe(3);
    const { items } = await cache.list(widgets, 'ns');
    expectTypeOf(items).toEqualTypeOf<Widget[]>();
    expect(items.map((item) => item.spec.size)).toEqual([3]);
    expectTypeOf(cache.informerFor(widgets)).toEqualTypeOf<Informer<Widget>>();
    // @ts-expect-error: a Widget resource holds no Gadgets
    await cache.get<Gadget>(widgets, 'ns', 'w1');
  });

  it('types the object a status update computes from and a finalizer edit returns', async () => {
    const client = widgetClient();
    const updated = await updateStatus(client, widgets, 'ns', 'w1', (current) => {
      expectTypeOf(current).toEqualTypeOf<Widget>();
      return { ready: current.spec.size > 0 };
    });
    expectTypeOf(updated).toEqualTypeOf<Widget | null>();
    expect(updated?.status).toEqual({ ready: true });
    const widget = await client.get(widgets, 'ns', 'w1');
    if (!widget) throw new Error('the widget is gone');
    const finalized = await addFinalizer(client, widgets, widget, 'example.com/cleanup');
    expectTypeOf(finalized).toEqualTypeOf<Widget>();
    expect(finalized.metadata?.finalizers).toEqual(['example.com/cleanup']);
  });
});
