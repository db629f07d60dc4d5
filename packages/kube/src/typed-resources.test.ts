/*
 * A resource's object type, as the client's calls infer it. The type-level cases are checked by
 * the compiler (`tsc -p tsconfig.json`, which CI runs): an `@ts-expect-error` over a line that
 * compiles is itself an error, so each refusal fails the type check the day it stops being one.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type Created, KubeClient, type KubeObject } from './kube-client.js';
import { closedAfterEach, loopbackKubeConfig } from './loopback.test-support.js';
import type { Reader } from './reader.js';
import { type ResourceType, resources } from './resources.js';

type Widget = KubeObject & { spec: { size: number } };
type Gadget = KubeObject & { spec: { colour: string } };

const widgets: ResourceType<Widget> = Object.freeze({
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
});

const widget = (name: string): Widget => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name, namespace: 'ns', resourceVersion: '1' },
  spec: { size: 3 },
});

const track = closedAfterEach();

/** A client whose API server holds the widget `w1`: one object, whatever is asked of it. */
async function widgetServer(): Promise<KubeClient> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const one = /\/namespaces\/[^/]+\/[^/]+\/[^/?]+/.test(req.url ?? '') || req.method !== 'GET';
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          one ? widget('w1') : { items: [widget('w1')], metadata: { resourceVersion: '7' } },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new KubeClient(loopbackKubeConfig((server.address() as AddressInfo).port));
  track(server, client);
  return client;
}

/** Reads through a generic caller's own type, from a resource that declares none. */
async function readAs<T extends KubeObject>(reader: Reader, type: ResourceType): Promise<T | null> {
  return reader.get(type, 'ns', 'w1');
}

describe('a typed resource', () => {
  it("types the client's reads as its objects, with no type argument", async () => {
    const client = await widgetServer();
    const one = await client.get(widgets, 'ns', 'w1');
    expectTypeOf(one).toEqualTypeOf<Widget | null>();
    expect(one?.spec.size).toBe(3);
    const { items } = await client.list(widgets, 'ns');
    expectTypeOf(items).toEqualTypeOf<Widget[]>();
    expect(items.map((item) => item.spec.size)).toEqual([3]);
    const patched = await client.patch(widgets, 'ns', 'w1', { spec: { size: 3 } });
    expectTypeOf(patched).toEqualTypeOf<Widget>();
    expect(patched.metadata?.name).toBe('w1');
  });

  it('types the reads of a Reader, the client handed over as one', async () => {
    const reader: Reader = await widgetServer();
    const one = await reader.get(widgets, 'ns', 'w1');
    expectTypeOf(one).toEqualTypeOf<Widget | null>();
    expect(one?.spec.size).toBe(3);
    expectTypeOf((await reader.list(widgets, 'ns')).items).toEqualTypeOf<Widget[]>();
  });

  it("checks a write's body against its objects and answers with one", async () => {
    const client = await widgetServer();
    const created = await client.create(widgets, 'ns', {
      metadata: { name: 'w1' },
      spec: { size: 3 },
    });
    expectTypeOf(created).toEqualTypeOf<Created<Widget>>();
    expect(created.object.spec.size).toBe(3);
    const replaced = await client.replace(widgets, 'ns', 'w1', widget('w1'));
    expectTypeOf(replaced).toEqualTypeOf<Widget>();
    // @ts-expect-error: a widget's size is a number
    await client.create(widgets, 'ns', { metadata: { name: 'w2' }, spec: { size: 'big' } });
  });

  it('refuses a type argument unrelated to its objects, and takes a wider one', async () => {
    const client = await widgetServer();
    // @ts-expect-error: a Widget resource holds no Gadgets
    await client.get<Gadget>(widgets, 'ns', 'w1');
    const plain = await client.get<KubeObject>(widgets, 'ns', 'w1');
    expectTypeOf(plain).toEqualTypeOf<KubeObject | null>();
    expect(plain?.metadata?.name).toBe('w1');
  });
});

describe('an untyped resource', () => {
  it('reads as plain objects, or as the type argument given, as before resources carried one', async () => {
    const client = await widgetServer();
    const plain = await client.get(resources.configMaps, 'ns', 'w1');
    expectTypeOf(plain).toEqualTypeOf<KubeObject | null>();
    const asWidget = await client.get<Widget>(resources.configMaps, 'ns', 'w1');
    expectTypeOf(asWidget).toEqualTypeOf<Widget | null>();
    const generic = await readAs<Widget>(client, resources.configMaps);
    expect(generic?.spec.size).toBe(3);
  });

  it("types a write's answer as its body, as before resources carried a type", async () => {
    const client = await widgetServer();
    const { object } = await client.create(resources.configMaps, 'ns', {
      metadata: { name: 'w1' },
      spec: { size: 3 },
    });
    expectTypeOf(object.spec.size).toEqualTypeOf<number>();
    expect(object.spec.size).toBe(3);
  });
});
