import { readFileSync } from 'node:fs';
import {
  BatchingEventSink,
  controllerRunner,
  InformerCache,
  TtlGarbageCollector,
} from '@roundhouse/controller';
import { Registry } from '@roundhouse/core';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import {
  describeWithControlPlane,
  podControls,
  useTestNamespace,
} from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ServerSideApply } from '../../../test/example-controller/server-side-apply.js';
import { isFinishedAction } from '../src/abort.js';
import { cacheObjectName } from '../src/cache.js';
import { leaseName } from '../src/config.js';
import { createTaskActionController } from '../src/controller.js';
import { ensureTaskActionCrd } from '../src/install.js';
import { gcLabels, taskActions } from '../src/resource.js';
import { taskJobExecutor } from '../src/task-executor.js';
import {
  apply,
  cacheIdentity,
  patience,
  RecordingWriter,
  readCacheLease,
  serializedTaskAction,
  waitForPhase,
} from './harness.js';
import { deployDir } from './manifests.js';

/** deploy/'s execution and controller namespaces, as namespaces.yaml and rbac.yaml name them. */
const executionNamespace = 'roundhouse-tasks';
const controllerNamespace = 'roundhouse-system';
const serviceAccount = `system:serviceaccount:${controllerNamespace}:roundhouse-taskaction`;

/**
 * The shipped manifests bind the controller's ServiceAccount; a client certificate for that
 * ServiceAccount's user name gets exactly those permissions, so the controller runs here, as
 * main.ts wires it (leader election, the garbage collector), with nothing more than what
 * deploy/rbac.yaml grants.
 */
describeWithControlPlane('the TaskAction controller under deploy/rbac.yaml', () => {
  const env = useTestNamespace({ prefix: 'ta-rbac' });
  const admin = () => new KubeClient(env.kubeConfig);

  beforeAll(async () => {
    await ensureTaskActionCrd(admin());
    // Server-side apply, as kubectl apply -k does; the WorkflowExecution example's tests apply
    // roundhouse-system the same way, perhaps at the same time.
    const ssa = new ServerSideApply(env.kubeConfig, 'kubectl');
    try {
      for (const file of ['namespaces.yaml', 'rbac.yaml']) {
        const text = readFileSync(new URL(file, deployDir), 'utf8');
        for (const doc of parseAllDocuments(text)) await ssa.apply(doc.toJSON() as KubeObject);
      }
    } finally {
      await ssa.close();
    }
  });

  it("runs a cached, serialized action to Completed as the controller's ServiceAccount, its cache in the execution namespace, serves the next from it, and collects both once finished", async () => {
    const identity = await env.userKubeConfig(serviceAccount, [
      'system:serviceaccounts',
      `system:serviceaccounts:${controllerNamespace}`,
    ]);
    const client = new KubeClient(identity);
    // The cache's rights reach the execution namespace only: neither the cluster's own
    // namespaces nor the tenant namespace whose action uses the cache, which binds it nothing.
    await expect(
      client.get(resources.leases, 'kube-system', 'kube-scheduler'),
    ).rejects.toMatchObject({ statusCode: 403 });
    await expect(
      client.get(resources.configMaps, 'kube-system', 'extension-apiserver-authentication'),
    ).rejects.toMatchObject({ statusCode: 403 });
    const entry = cacheObjectName(cacheIdentity(env.namespace, 'rbac'));
    for (const type of [resources.configMaps, resources.leases]) {
      await expect(client.get(type, env.namespace, entry)).rejects.toMatchObject({
        statusCode: 403,
      });
      await expect(
        client.create(type, env.namespace, { metadata: { name: entry } }),
      ).rejects.toMatchObject({ statusCode: 403 });
    }
    const cache = new InformerCache(identity, { client });
    const registry = new Registry().register(
      taskJobExecutor(client, {
        podAnnotations: { [podControls.runSeconds]: '1' },
        reader: cache,
      }),
    );
    const writer = new RecordingWriter(admin());
    const sink = new BatchingEventSink(writer, { maxDelayMs: 5 });
    const { controller } = await createTaskActionController({
      kubeConfig: identity,
      registry,
      cache,
      sink,
      watchNamespace: env.namespace,
      executionNamespace,
      allowedImages: ['registry.invalid/*'],
      resyncMs: 1_000,
    });
    const collector = new TtlGarbageCollector(client, taskActions, {
      labels: gcLabels,
      isFinished: isFinishedAction,
      ttlMs: 0,
      intervalMs: 500,
      namespace: env.namespace,
    });
    const runner = controllerRunner(client, controller, {
      // Its own name, so no other test's controller holds it.
      leaderElection: { namespace: controllerNamespace, name: leaseName },
      alongside: [collector],
    });
    const stop = new AbortController();
    const running = runner.run(stop.signal);
    try {
      // Serialized on its cache key: it takes the reservation Lease and, once it succeeds,
      // writes the cache entry ConfigMap, both in the execution namespace.
      const { name } = (await apply(admin(), env.namespace, serializedTaskAction('rbac')))
        .metadata as { name: string };
      await waitForPhase(admin(), env.namespace, name, 'Executing');
      const lease = () => readCacheLease(admin(), executionNamespace, env.namespace, 'rbac');
      expect(await lease()).not.toBeNull();
      await vi.waitFor(
        async () => expect(await admin().get(taskActions, env.namespace, name)).toBeNull(),
        patience,
      );
      expect(await lease()).toBeNull();
      expect(await admin().get(resources.configMaps, executionNamespace, entry)).not.toBeNull();

      // A second action with the key is served from that entry, no tenant-namespace binding
      // needed: a hit (read from its events, since the collector deletes it once finished).
      const second = serializedTaskAction('rbac');
      await apply(admin(), env.namespace, second);
      await vi.waitFor(
        () =>
          expect(writer.of(second.metadata.name).at(-1)?.event).toMatchObject({
            phase: 'Completed',
            cacheStatus: 'CACHE_HIT',
          }),
        patience,
      );
    } finally {
      // The shared execution namespace keeps no entry of this test's namespace.
      await admin().delete(resources.configMaps, executionNamespace, entry);
      stop.abort();
      await running;
      await sink.close();
      await client.close();
    }
  });
});
