/**
 * Past 350 lines: the finalizer and status writes against one control plane; a split would start
 * another for the same resource set-up.
 */
import type { Condition } from '@roundhouse/core';
import {
  isKubernetesError,
  KubeClient,
  type KubeObject,
  KubernetesApiError,
  resources,
} from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  addFinalizer,
  hasFinalizer,
  removeFinalizer,
  setCondition,
  updateStatus,
} from '../src/index.js';
import { type Widget, widget, widgetCrd, widgets } from './widgets.js';

const ours = 'test.roundhouse.dev/cleanup';
const theirs = 'example.com/other';

describeWithControlPlane('finalizer and status helpers on a real API server', () => {
  const env = useTestNamespace();
  const client = () => new KubeClient(env.kubeConfig);

  beforeAll(async () => {
    await env.installCrds([widgetCrd]);
  });

  const create = async (body: Widget = widget()) =>
    (await client().create<Widget>(widgets, env.namespace, body)).object;

  describe('addFinalizer / removeFinalizer', () => {
    it('adds once and removes only its own finalizer', async () => {
      const created = await create({
        ...widget(),
        metadata: { ...widget().metadata, finalizers: [theirs] },
      });
      const added = await addFinalizer(client(), widgets, created, ours);
      expect(added.metadata?.finalizers).toEqual([theirs, ours]);
      expect(hasFinalizer(added, ours)).toBe(true);
      const again = await addFinalizer(client(), widgets, added, ours);
      expect(again.metadata?.resourceVersion).toBe(added.metadata?.resourceVersion);
      const removed = await removeFinalizer(client(), widgets, again, ours);
      expect(removed?.metadata?.finalizers).toEqual([theirs]);
      expect(hasFinalizer(removed as Widget, ours)).toBe(false);
    });

    it('works from a stale copy without dropping a finalizer someone added meanwhile', async () => {
      const stale = await create();
      const name = stale.metadata?.name as string;
      const other = (finalizers: string[]) =>
        client().patch<Widget>(widgets, env.namespace, name, { metadata: { finalizers } });
      await other([theirs]);
      const added = await addFinalizer(client(), widgets, stale, ours);
      expect(added.metadata?.finalizers).toEqual([theirs, ours]);
      await other([theirs, ours, 'example.com/third']);
      const removed = await removeFinalizer(client(), widgets, added, ours);
      expect(removed?.metadata?.finalizers).toEqual([theirs, 'example.com/third']);
    });

    it('lets a deleted object go when its last finalizer is removed, and reports a gone object as null', async () => {
      const created = await addFinalizer(client(), widgets, await create(), ours);
      const name = created.metadata?.name as string;
      await client().delete(widgets, env.namespace, name);
      const deleting = await client().get<Widget>(widgets, env.namespace, name);
      expect(deleting?.metadata?.deletionTimestamp).toBeDefined();
      await removeFinalizer(client(), widgets, deleting as Widget, ours);
      await vi.waitFor(async () => {
        expect(await client().get(widgets, env.namespace, name)).toBeNull();
      });
      expect(await removeFinalizer(client(), widgets, created, ours)).toBeNull();
      const gone = { metadata: { name, namespace: env.namespace, resourceVersion: '1' } };
      const error = await addFinalizer(client(), widgets, gone, ours).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KubernetesApiError);
      expect(isKubernetesError(error, 'NotFound')).toBe(true);
    });

    it('never edits an object created under the same name through a copy of the one before it', async () => {
      const first = await create(widget({ size: 1 }));
      const name = first.metadata?.name as string;
      await client().delete(widgets, env.namespace, name);
      const second = await create({ metadata: { name }, spec: { size: 2 } });
      // The copy's resourceVersion is refused, and the object read on the conflict is another.
      const error = await addFinalizer(client(), widgets, first, ours).catch((e: unknown) => e);
      expect(isKubernetesError(error, 'NotFound')).toBe(true);
      expect(
        await removeFinalizer(
          client(),
          widgets,
          { ...first, metadata: { ...first.metadata, finalizers: [ours] } },
          ours,
        ),
      ).toBeNull();
      const live = await client().get<Widget>(widgets, env.namespace, name);
      expect(live?.metadata?.uid).toBe(second.metadata?.uid);
      expect(live?.metadata?.finalizers).toBeUndefined();
      expect(live?.metadata?.resourceVersion).toBe(second.metadata?.resourceVersion);
    });
  });

  describe('updateStatus', () => {
    const ready = (status: Condition['status'], generation: number) => ({
      type: 'Ready',
      status,
      reason: status === 'True' ? 'Done' : 'Working',
      message: '',
      observedGeneration: generation,
    });

    it('writes the status subresource only, and skips a write that changes nothing', async () => {
      const created = await create(widget({ size: 1 }));
      const name = created.metadata?.name as string;
      const compute = (current: Widget) => ({
        ...current.status,
        conditions: setCondition(
          current.status?.conditions as Condition[] | undefined,
          ready('True', current.metadata?.generation ?? 0),
        ),
      });
      const written = await updateStatus<Widget>(
        client(),
        widgets,
        env.namespace,
        name,
        (current) => ({
          ...compute(current),
          // Only the status subresource is written: a spec change here must not stick.
          spec: 'ignored',
        }),
      );
      expect(written?.status?.conditions).toMatchObject([
        { type: 'Ready', status: 'True', observedGeneration: 1 },
      ]);
      expect(written?.spec).toEqual({ size: 1 });
      const unchanged = await updateStatus<Widget>(client(), widgets, env.namespace, name, compute);
      expect(unchanged?.metadata?.resourceVersion).toBe(written?.metadata?.resourceVersion);
      const skipped = await updateStatus<Widget>(
        client(),
        widgets,
        env.namespace,
        name,
        () => undefined,
      );
      expect(skipped?.metadata?.resourceVersion).toBe(written?.metadata?.resourceVersion);
    });

    it('on a 409 conflict re-reads and recomputes, keeping the other writer’s change', async () => {
      const name = (await create()).metadata?.name as string;
      const other = client();
      /** Lets another writer change the status right after the first read. */
      class RacingClient extends KubeClient {
        #raced = false;
        override async get<T extends KubeObject>(
          ...args: Parameters<KubeClient['get']>
        ): Promise<T | null> {
          const read = await super.get<T>(...args);
          if (!this.#raced) {
            this.#raced = true;
            await other.patch(
              widgets,
              env.namespace,
              name,
              { status: { other: 'theirs' } },
              {
                subresource: 'status',
              },
            );
          }
          return read;
        }
      }
      const seen: unknown[] = [];
      const result = await updateStatus<Widget>(
        new RacingClient(env.kubeConfig),
        widgets,
        env.namespace,
        name,
        (current) => {
          seen.push(current.status);
          return { ...current.status, mine: 'ours' };
        },
      );
      expect(seen).toEqual([undefined, { other: 'theirs' }]);
      expect(result?.status).toEqual({ other: 'theirs', mine: 'ours' });
    });

    it('starts from a known copy without reading, and recovers from a stale one', async () => {
      const created = await create();
      const name = created.metadata?.name as string;
      let reads = 0;
      class CountingClient extends KubeClient {
        override async get<T extends KubeObject>(
          ...args: Parameters<KubeClient['get']>
        ): Promise<T | null> {
          reads += 1;
          return super.get<T>(...args);
        }
      }
      const counting = new CountingClient(env.kubeConfig);
      const first = await updateStatus<Widget>(
        counting,
        widgets,
        env.namespace,
        name,
        () => ({ step: 1 }),
        {
          current: created,
        },
      );
      expect(reads).toBe(0);
      expect(first?.status).toEqual({ step: 1 });
      // `created` is now stale: the write conflicts, is recomputed from a fresh read, and lands.
      const seen: unknown[] = [];
      const second = await updateStatus<Widget>(
        counting,
        widgets,
        env.namespace,
        name,
        (current) => {
          seen.push(current.status);
          return { ...current.status, step: 2 };
        },
        { current: created },
      );
      expect(seen).toEqual([undefined, { step: 1 }]);
      expect(reads).toBe(1);
      expect(second?.status).toEqual({ step: 2 });
    });

    it('hands compute a copy of the known object, or the object itself with copy: false', async () => {
      const created = await create();
      const name = created.metadata?.name as string;
      const careless = (current: Widget) => {
        current.status = { scribbled: true };
        return { step: 1 };
      };
      await updateStatus<Widget>(client(), widgets, env.namespace, name, careless, {
        current: created,
      });
      expect(created.status).toBeUndefined();
      const latest = (await client().get<Widget>(widgets, env.namespace, name)) as Widget;
      const given: Widget[] = [];
      const written = await updateStatus<Widget>(
        client(),
        widgets,
        env.namespace,
        name,
        (current) => {
          given.push(current);
          return { step: 2 };
        },
        { current: latest, copy: false },
      );
      expect(given).toHaveLength(1);
      expect(given[0]).toBe(latest);
      expect(written?.status).toEqual({ step: 2 });
    });

    it('sends only what changed and the resourceVersion it started from, and the server keeps its managedFields', async () => {
      const created = await create(widget({ size: 1 }));
      const managedFields = (o: KubeObject | null | undefined) =>
        (o?.metadata as { managedFields?: { manager?: string }[] } | undefined)?.managedFields;
      expect(managedFields(created)).toBeDefined();
      const writer = client();
      const patch = vi.spyOn(writer, 'patch');
      const name = created.metadata?.name as string;
      const first = await updateStatus<Widget>(
        writer,
        widgets,
        env.namespace,
        name,
        () => ({ step: 1, note: 'first' }),
        { current: created },
      );
      const second = await updateStatus<Widget>(
        writer,
        widgets,
        env.namespace,
        name,
        () => ({ step: 2 }),
        { current: first as Widget },
      );
      expect(patch.mock.calls.map((call) => call[3])).toEqual([
        {
          metadata: { resourceVersion: created.metadata?.resourceVersion },
          status: { step: 1, note: 'first' },
        },
        {
          metadata: { resourceVersion: first?.metadata?.resourceVersion },
          status: { step: 2, note: null },
        },
      ]);
      expect(second?.status).toEqual({ step: 2 });
      expect(second?.spec).toEqual({ size: 1 });
      expect(managedFields(second)?.length).toBeGreaterThanOrEqual(2);
    });

    it('writes a status holding null whole, with a replace', async () => {
      const created = await create();
      const writer = client();
      const replace = vi.spyOn(writer, 'replace');
      const written = await updateStatus<Widget>(
        writer,
        widgets,
        env.namespace,
        created.metadata?.name as string,
        () => ({ step: 1, previous: null }),
        { current: created },
      );
      const sent = replace.mock.calls[0]?.[3] as KubeObject;
      expect(sent.metadata).not.toHaveProperty('managedFields');
      expect(sent.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
      expect(written?.status).toMatchObject({ step: 1 });
    });

    it('writes nothing onto an object created under the same name after the one it was given', async () => {
      const first = await create(widget({ size: 1 }));
      const name = first.metadata?.name as string;
      await client().delete(widgets, env.namespace, name);
      const second = await create({ metadata: { name }, spec: { size: 2 } });
      // From the copy it was given: its write is refused (another resourceVersion), and the
      // object read then is not the one it was given.
      expect(
        await updateStatus<Widget>(client(), widgets, env.namespace, name, () => ({ step: 1 }), {
          current: first,
        }),
      ).toBeNull();
      const compute = vi.fn(() => ({ step: 2 }));
      expect(
        await updateStatus<Widget>(client(), widgets, env.namespace, name, compute, {
          uid: first.metadata?.uid,
        }),
      ).toBeNull();
      expect(compute).not.toHaveBeenCalled();
      const live = await client().get<Widget>(widgets, env.namespace, name);
      expect(live?.metadata?.uid).toBe(second.metadata?.uid);
      expect(live?.status).toBeUndefined();
    });

    it('returns null for a missing object and throws NotFound for a kind without status', async () => {
      expect(
        await updateStatus(client(), widgets, env.namespace, 'missing', () => ({ a: 1 })),
      ).toBeNull();
      await client().create(resources.configMaps, env.namespace, {
        metadata: { name: 'no-status' },
      });
      const error = await updateStatus<KubeObject>(
        client(),
        resources.configMaps,
        env.namespace,
        'no-status',
        () => ({ a: 1 }),
      ).catch((e: unknown) => e);
      expect(isKubernetesError(error, 'NotFound')).toBe(true);
    });
  });
});
