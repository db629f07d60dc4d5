import type { Condition } from '@roundhouse/core';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterEach, beforeAll, expect, it, vi } from 'vitest';
import {
  addFinalizer,
  Controller,
  ControllerMetrics,
  findCondition,
  type HealthServer,
  hasFinalizer,
  Informer,
  mapByLabels,
  mapByOwnerReferences,
  type Reconciler,
  removeFinalizer,
  setCondition,
  splitKey,
  startHealthServer,
  updateStatus,
} from '../src/index.js';
import { patience, type Widget, widget, widgetCrd, widgets } from './widgets.js';

const finalizer = 'test.roundhouse.dev/cleanup';

/** A small real reconciler: finalizer on, Ready condition per generation, finalizer off on delete. */
function widgetReconciler(client: KubeClient): Reconciler {
  return {
    async reconcile(key, ctx) {
      const { namespace, name } = splitKey(key);
      const found = await client.get<Widget>(widgets, namespace, name, { signal: ctx.signal });
      if (!found) return;
      if (found.metadata?.deletionTimestamp) {
        await removeFinalizer(client, widgets, found, finalizer, { signal: ctx.signal });
        return;
      }
      await addFinalizer(client, widgets, found, finalizer, { signal: ctx.signal });
      await updateStatus<Widget>(client, widgets, namespace, name, (latest) => ({
        ...latest.status,
        conditions: setCondition(latest.status?.conditions as Condition[] | undefined, {
          type: 'Ready',
          status: 'True',
          reason: 'Reconciled',
          message: `size ${String(latest.spec?.size)}`,
          observedGeneration: latest.metadata?.generation ?? 0,
        }),
      }));
    },
  };
}

describeWithControlPlane('Controller on a real API server', () => {
  const env = useTestNamespace();
  const stops: AbortController[] = [];
  const runs: Promise<void>[] = [];
  const servers: HealthServer[] = [];

  beforeAll(async () => {
    await env.installCrds([widgetCrd]);
  });

  afterEach(async () => {
    for (const stop of stops.splice(0)) stop.abort();
    await Promise.all(runs.splice(0));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  function start(controller: Controller): AbortController {
    const stop = new AbortController();
    stops.push(stop);
    runs.push(controller.start(stop.signal));
    return stop;
  }

  it('reconciles Widgets with finalizer and status helpers and serves health and metrics', async () => {
    const client = new KubeClient(env.kubeConfig);
    const metrics = new ControllerMetrics();
    const controller = new Controller({
      name: 'widgets',
      reconciler: widgetReconciler(client),
      workers: 2,
      metrics,
    });
    controller.watch(
      new Informer<Widget>(env.kubeConfig, widgets, { namespace: env.namespace, client }),
    );
    const server = await startHealthServer({ port: 0, metrics, ready: () => controller.ready });
    servers.push(server);
    const get = (path: string) => fetch(`http://127.0.0.1:${server.port}${path}`);
    expect((await get('/readyz')).status).toBe(503);
    expect((await get('/healthz')).status).toBe(200);

    const stop = start(controller);
    await vi.waitFor(async () => expect((await get('/readyz')).status).toBe(200), patience);

    const { object } = await client.create<Widget>(widgets, env.namespace, widget({ size: 1 }));
    const name = object.metadata?.name as string;
    const read = () => client.get<Widget>(widgets, env.namespace, name);
    await vi.waitFor(async () => {
      const current = await read();
      expect(hasFinalizer(current as Widget, finalizer)).toBe(true);
      expect(findCondition(current?.status?.conditions as Condition[], 'Ready')).toMatchObject({
        status: 'True',
        message: 'size 1',
        observedGeneration: 1,
      });
    }, patience);

    await client.patch(widgets, env.namespace, name, { spec: { size: 2 } });
    await vi.waitFor(async () => {
      const current = await read();
      expect(findCondition(current?.status?.conditions as Condition[], 'Ready')).toMatchObject({
        message: 'size 2',
        observedGeneration: 2,
      });
    }, patience);

    await client.delete(widgets, env.namespace, name);
    await vi.waitFor(async () => expect(await read()).toBeNull(), patience);

    const text = await (await get('/metrics')).text();
    expect(text).toMatch(
      /controller_runtime_reconcile_total\{controller="widgets",result="success"\} [1-9]/,
    );
    expect(text).toMatch(/workqueue_adds_total\{name="widgets",controller="widgets"\} [1-9]/);
    expect(text).toMatch(
      /controller_runtime_reconcile_time_seconds_count\{controller="widgets"\} [1-9]/,
    );

    stop.abort();
    await runs.at(-1);
    expect((await get('/readyz')).status).toBe(503);
  });

  it('maps related objects to their owner through owner references and labels across namespaces', async () => {
    const client = new KubeClient(env.kubeConfig);
    const other = await env.controlPlane.createNamespace('controller-other');
    try {
      const reconciled = new Map<string, number>();
      const controller = new Controller({
        name: 'owners',
        reconciler: {
          async reconcile(key) {
            reconciled.set(key, (reconciled.get(key) ?? 0) + 1);
          },
        },
      });
      const owners = `owner-${Date.now().toString(36)}`;
      controller
        .watch(
          new Informer<KubeObject>(env.kubeConfig, resources.configMaps, {
            namespace: env.namespace,
            labelSelector: `role=${owners}`,
          }),
        )
        .watch(
          new Informer<KubeObject>(env.kubeConfig, resources.secrets, { namespace: env.namespace }),
          mapByOwnerReferences('ConfigMap', ''),
        )
        .watch(
          new Informer<KubeObject>(env.kubeConfig, resources.secrets, {
            namespace: other,
            labelSelector: 'test.roundhouse.dev/owner',
          }),
          mapByLabels('test.roundhouse.dev/owner', 'test.roundhouse.dev/owner-namespace'),
        );
      start(controller);
      await vi.waitFor(() => expect(controller.ready).toBe(true), patience);

      const { object: owner } = await client.create<KubeObject>(
        resources.configMaps,
        env.namespace,
        {
          metadata: { name: 'owner', labels: { role: owners } },
        },
      );
      const key = `${env.namespace}/owner`;
      const count = () => reconciled.get(key) ?? 0;
      await vi.waitFor(() => expect(count()).toBe(1), patience);

      await client.create(resources.secrets, env.namespace, {
        metadata: {
          name: 'owned',
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              name: 'owner',
              uid: owner.metadata?.uid as string,
            },
          ],
        },
      });
      await vi.waitFor(() => expect(count()).toBe(2), patience);

      await client.create(resources.secrets, other, {
        metadata: {
          name: 'labelled',
          labels: {
            'test.roundhouse.dev/owner': 'owner',
            'test.roundhouse.dev/owner-namespace': env.namespace,
          },
        },
      });
      await vi.waitFor(() => expect(count()).toBe(3), patience);
    } finally {
      await env.controlPlane.deleteNamespace(other);
    }
  });
});
