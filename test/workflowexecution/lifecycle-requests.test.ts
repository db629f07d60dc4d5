import { Registry } from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, type KubeObject, type Reader, resources } from '@roundhouse/kube';
import { PodExecutor } from '@roundhouse/pod';
import {
  type ControlPlane,
  ensureBinaries,
  readAuditLog,
  startControlPlane,
} from '@roundhouse/testenv';
import { controlPlaneAvailable } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { allowedImages } from '../../packages/pod/test/drive.js';
import {
  apply,
  condition,
  jobRegistry,
  manifest,
  patience,
  type RunningController,
  read,
  startController,
} from './harness.js';

/*
 * What the controller sends over an execution's lifecycle, counted where no request can hide:
 * the audit log of a control plane this file starts (the shared one keeps none), for the
 * controller's own user. Watches are left out: the informers open them once, not per execution.
 */

const controllerUser = 'wfe-lifecycle-controller';
const oneStep = { steps: [{ name: 'run', image: 'registry.invalid/run:1', script: 'true' }] };

/** `verb resource` of each request the controller sent since `from`, in the order sent. */
async function controllerRequests(plane: ControlPlane, from: number): Promise<string[]> {
  const requests = await readAuditLog(plane.auditLogPath as string, [controllerUser]);
  return requests
    .filter((r) => r.receivedAt >= from && r.verb !== 'watch')
    .sort((a, b) => a.receivedAt - b.receivedAt)
    .map(({ verb, resource }) => `${verb} ${resource}`);
}

/** The requests sent after the first `request` (all of them when there is none). */
function after(requests: readonly string[], request: string): string[] {
  return requests.slice(requests.indexOf(request) + 1);
}

/** Whether a request reads or writes an execution's resource or what its engine reads with it. */
const engineSide = (request: string) => / (jobs|pods)$/.test(request) || request === 'list events';

const watchLagMs = 2_000;

/** Long enough for every watch event held back to arrive, and what it woke to have run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, watchLagMs + 2_000));

(controlPlaneAvailable() ? describe : describe.skip)(
  'requests over an execution lifecycle (audit log)',
  () => {
    let plane: ControlPlane;
    let admin: KubeClient;
    let watchNamespace: string;
    let executionNamespace: string;
    let controller: RunningController | undefined;

    beforeAll(async () => {
      const binaries = await ensureBinaries(true);
      plane = await startControlPlane({ workloads: true, binaries: binaries.paths, audit: true });
      admin = new KubeClient(plane.kubeConfig);
      watchNamespace = await plane.createNamespace('wfe-requests');
      executionNamespace = await plane.createNamespace('wfe-requests-exec');
    }, 300_000);

    afterAll(async () => {
      await controller?.stop();
      await admin?.close();
      await plane?.stop();
    }, 120_000);

    /**
     * Starts the controller as its own user, its engines built by `engines` with that user; its
     * cache's watch holds back for a while the events `lagging` picks, as a busy API server's
     * watch lags its writes.
     */
    async function start(
      engines: (client: KubeClient, reader: Reader) => Registry,
      lagging: (type: unknown, event: { type: string; object: KubeObject }) => boolean = () =>
        false,
    ) {
      const kubeConfig = await plane.userKubeConfig(controllerUser, ['system:masters']);
      const client = new KubeClient(kubeConfig);
      const cacheClient = new KubeClient(kubeConfig);
      const watch = cacheClient.watch.bind(cacheClient);
      vi.spyOn(cacheClient, 'watch').mockImplementation(async (type, namespace, onEvent, options) =>
        watch(
          type,
          namespace,
          (event) => {
            if (!lagging(type, event)) return onEvent(event);
            setTimeout(() => onEvent(event), watchLagMs);
          },
          options,
        ),
      );
      controller = await startController({
        kubeConfig,
        registry: (reader) => engines(client, reader),
        cacheClient,
        watchNamespace,
        executionNamespace,
        cooldownMs: 3_000,
        installWith: plane.kubeConfig,
      });
    }

    async function stop() {
      await controller?.stop();
      controller = undefined;
    }

    /** Waits for the lock's release, then deletes the execution and waits until it is gone. */
    async function releasedThenDeleted(name: string) {
      await vi.waitFor(async () => {
        const wfe = await read(admin, watchNamespace, name);
        expect(condition(wfe, 'LockReleased')?.status).toBe('True');
      }, patience);
      await admin.delete(workflowExecutions, watchNamespace, name);
      await vi.waitFor(
        async () => expect(await admin.get(workflowExecutions, watchNamespace, name)).toBe(null),
        patience,
      );
    }

    /** Stops the controller, then deletes the execution without passing its finalizer. */
    async function goneWhileStopped(name: string) {
      await stop();
      // As when the finalizer's write never landed.
      await admin.patch(workflowExecutions, watchNamespace, name, {
        metadata: { finalizers: null },
      });
      await admin.delete(workflowExecutions, watchNamespace, name);
    }

    async function running(name: string) {
      await vi.waitFor(async () => {
        expect((await read(admin, watchNamespace, name))?.status?.phase).toBe('Running');
      }, patience);
    }

    async function ownedBy(type: typeof resources.jobs, name: string) {
      const { items } = await admin.list<KubeObject>(type, executionNamespace, {
        labelSelector: `roundhouse.dev/workflow-execution=${name}`,
      });
      return items;
    }

    it('a workflow that ran and completed: its Job deleted once and never read', async () => {
      await start((client, reader) =>
        jobRegistry(plane.kubeConfig, { runSeconds: 1 }, client)(reader),
      );
      const from = Date.now();
      const execution = manifest();
      await apply(admin, watchNamespace, execution);
      await releasedThenDeleted(execution.metadata.name);
      await settle();
      await stop();
      const requests = await controllerRequests(plane, from);
      expect(requests.filter((r) => r.endsWith(' jobs'))).toEqual(['create jobs', 'delete jobs']);
      expect(after(requests, 'delete jobs').filter(engineSide)).toEqual([]);
      // The 7 writes and the lock's Event; the last write completed the deletion, so the reconcile
      // the execution's disappearance wakes asks the API server nothing.
      expect(requests.toSorted(), requests.join(', ')).toEqual([
        'create events',
        'create jobs',
        'delete jobs',
        'patch workflowexecutions',
        'patch workflowexecutions',
        'patch workflowexecutions/status',
        'patch workflowexecutions/status',
        'patch workflowexecutions/status',
      ]);
    });

    it('a start the engine gave up on: its Job deleted once, and not read after', async () => {
      await plane.createEnforcedQuota(executionNamespace, 'no-pods', { pods: '0' });
      await start((client, reader) =>
        new Registry().register(new JobExecutor(client, { reader, startupGraceMs: 500 })),
      );
      const from = Date.now();
      const execution = manifest();
      await apply(admin, watchNamespace, execution);
      await releasedThenDeleted(execution.metadata.name);
      await settle();
      await stop();
      await admin.delete(resources.resourceQuotas, executionNamespace, 'no-pods');
      const requests = await controllerRequests(plane, from);
      // The verdict is read fresh before the Job goes; after its delete nothing reads it again,
      // deletes it again or reads what the engine reads with it.
      expect(requests.filter((r) => r.endsWith(' jobs') && r !== 'get jobs')).toEqual([
        'create jobs',
        'delete jobs',
      ]);
      expect(after(requests, 'delete jobs').filter(engineSide)).toEqual([]);
      expect(after(requests, 'delete jobs')).not.toContain('get workflowexecutions');
    });

    it('a Job whose execution went while no controller ran: deleted once', async () => {
      const engines = (client: KubeClient, reader: Reader) =>
        jobRegistry(plane.kubeConfig, { runSeconds: 600 }, client)(reader);
      await start(engines);
      const execution = manifest();
      const name = execution.metadata.name;
      await apply(admin, watchNamespace, execution);
      await running(name);
      await goneWhileStopped(name);
      const from = Date.now();
      await start(engines);
      await vi.waitFor(
        async () => expect(await ownedBy(resources.jobs, name)).toEqual([]),
        patience,
      );
      await settle();
      await stop();
      const requests = await controllerRequests(plane, from);
      expect(requests.filter((r) => r.endsWith(' jobs') && !r.startsWith('list'))).toEqual([
        'delete jobs',
      ]);
      expect(after(requests, 'delete jobs').filter(engineSide)).toEqual([]);
      // The read that confirms the execution gone, which the cache alone cannot; the wake the
      // Job's deletion brings reads it no more.
      expect(
        requests.filter((r) => r === 'get workflowexecutions'),
        requests.join(', '),
      ).toEqual(['get workflowexecutions']);
    });

    it('a Pod whose execution went while no controller ran: deleted, and its finalizer taken off, once', async () => {
      const engines = (client: KubeClient, reader: Reader) =>
        new Registry().register(new PodExecutor(client, { reader, allowedImages }));
      await start(engines);
      const execution = manifest({ engine: 'pod', engineConfig: oneStep });
      const name = execution.metadata.name;
      await apply(admin, watchNamespace, execution);
      await running(name);
      await goneWhileStopped(name);
      const from = Date.now();
      // Once the Pod's finalizer is off, its watch lags: the event of the Pod's delete wakes the
      // key while the cache has not seen the finalizer's removal (nor the Pod gone, which KWOK
      // has at once).
      await start(
        engines,
        (type, { type: event, object }) =>
          type === resources.pods && (event === 'DELETED' || !object.metadata?.finalizers?.length),
      );
      await vi.waitFor(async () => {
        const pods = await ownedBy(resources.pods, name);
        expect(pods.every((pod) => !pod.metadata?.finalizers?.length)).toBe(true);
      }, patience);
      await settle();
      await stop();
      const requests = await controllerRequests(plane, from);
      // Only the cached answers keep the reconcile the delete's event woke from taking the
      // finalizer off the copy the event brought: a removal refused (the list changed), and a
      // read of the Pod.
      expect(requests.filter((r) => r.endsWith(' pods') && !r.startsWith('list'))).toEqual([
        'delete pods',
        'patch pods',
      ]);
      expect(after(requests, 'delete pods').filter(engineSide)).toEqual(['patch pods']);
      expect(
        requests.filter((r) => r === 'get workflowexecutions'),
        requests.join(', '),
      ).toEqual(['get workflowexecutions']);
    });
  },
);
