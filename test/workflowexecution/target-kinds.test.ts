import { randomBytes } from 'node:crypto';
import diagnosticsChannel from 'node:diagnostics_channel';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd, kindTableOf } from '@roundhouse/workflowexecution';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { useController } from './controller-fixture.js';
import { jobRegistry, type Manifest, manifest, patience } from './harness.js';

/**
 * A custom kind's names are joined through the cluster's discovery, as kubectl joins them: two
 * executions that name one custom resource by its kind and by its short name hash to two lock
 * names, and the controller still runs only one of them.
 */
describeWithControlPlane(
  'WorkflowExecution targets of custom kinds, named as discovery lists them',
  () => {
    const cluster = useController('wfe-kinds');
    const { env } = cluster;
    const admin = cluster.client;
    const suffix = randomBytes(3).toString('hex');
    const group = `target-kinds-${suffix}.roundhouse.test`;
    const installed: string[] = [];

    /** A namespaced CRD of `kind`, with a singular name and these short names. */
    async function installCrd(kind: string, shortNames: string[]): Promise<void> {
      const plural = `${kind.toLowerCase()}s`;
      const name = `${plural}.${group}`;
      installed.push(name);
      await admin().create(resources.customResourceDefinitions, undefined, {
        metadata: { name },
        spec: {
          group,
          scope: 'Namespaced',
          names: {
            kind,
            plural,
            singular: kind.toLowerCase(),
            shortNames,
            listKind: `${kind}List`,
          },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              },
            },
          ],
        },
      } as KubeObject);
      // Established, and listed by discovery, which the API server updates a moment later.
      await vi.waitFor(async () => {
        const table = kindTableOf(await admin().discoverApiResources());
        expect(shortNames.map((short) => table.kindOf.get(short))).toEqual(
          shortNames.map(() => kind.toLowerCase()),
        );
      }, patience);
    }

    /** Records the discovery requests (`/api`, `/apis`) this process sends until `stop`. */
    function recordDiscovery(): { requests: string[]; stop: () => void } {
      const requests: string[] = [];
      const onCreate = (message: unknown) => {
        const { path } = (message as { request: { path?: string } }).request;
        if (path === '/api' || path === '/apis') requests.push(path);
      };
      diagnosticsChannel.subscribe('undici:request:create', onCreate);
      return {
        requests,
        stop: () => diagnosticsChannel.unsubscribe('undici:request:create', onCreate),
      };
    }

    const start = (unknownKindMs?: number) =>
      cluster.start({
        registry: jobRegistry(env.kubeConfig, { runSeconds: 600 }),
        cooldownMs: 60_000,
        resyncMs: 600_000,
        ...(unknownKindMs !== undefined ? { kindDiscovery: { unknownKindMs } } : {}),
      });

    /**
     * Creates `executions` at once and waits until one runs and the other is Deduplicated by it;
     * returns the discovery requests sent meanwhile.
     */
    async function racedDiscoveryRequests(executions: readonly Manifest[]): Promise<string[]> {
      const discovery = recordDiscovery();
      try {
        await oneRunsOneDeduplicated(
          await Promise.all(executions.map((wfe) => cluster.apply(wfe))),
        );
      } finally {
        discovery.stop();
      }
      return discovery.requests;
    }

    /** Waits until one of `executions` runs and the other failed Deduplicated by it. */
    async function oneRunsOneDeduplicated(executions: readonly Manifest[]): Promise<void> {
      const settled = await vi.waitFor(async () => {
        const now = await Promise.all(executions.map((wfe) => cluster.read(wfe.metadata.name)));
        expect(now.map((wfe) => wfe?.status?.phase).toSorted()).toEqual(['Failed', 'Running']);
        return now;
      }, patience);
      const failed = settled.find((wfe) => wfe?.status?.phase === 'Failed');
      const running = settled.find((wfe) => wfe?.status?.phase === 'Running');
      expect(failed?.status).toMatchObject({
        deduplicatedBy: running?.metadata.name,
        failureReason: 'Deduplicated',
      });
      expect(await cluster.jobsOf(failed?.metadata.name as string)).toEqual([]);
    }

    beforeAll(async () => {
      await ensureWorkflowExecutionCrd(admin());
    });

    afterAll(async () => {
      for (const name of installed) {
        await admin().delete(resources.customResourceDefinitions, undefined, name);
      }
    });

    it('reads discovery as a user no RBAC grants anything', async () => {
      const nobody = await env.userKubeConfig(`target-kinds-nobody-${suffix}`, []);
      const table = kindTableOf(await new KubeClient(nobody).discoverApiResources());
      expect(table.kindOf.get('deploy')).toBe('deployment');
      expect(table.clusterScoped.has('node')).toBe(true);
    });

    it('runs one of two executions created at once that name a custom resource by kind and by short name', async () => {
      const kind = `Rollout${suffix}`;
      await installCrd(kind, [`ro${suffix}`]);
      await start();
      const requests = await racedDiscoveryRequests([
        manifest({ target: `prod/${kind}/twice` }),
        manifest({ target: `prod/ro${suffix}/twice` }),
      ]);
      // Both names were known from start-up: neither start asked discovery again.
      expect(requests).toEqual([]);
    });

    it('runs one of two executions created at once on a kind installed after it last read discovery', async () => {
      const kind = `Blue${suffix}`;
      // Long enough that both are created well within it of the start-up read: neither may go
      // on by its own name's fallback key meanwhile.
      await start(15_000);
      await installCrd(kind, [`bl${suffix}`]);
      const requests = await racedDiscoveryRequests([
        manifest({ target: `prod/${kind}/new` }),
        manifest({ target: `prod/bl${suffix}/new` }),
      ]);
      // One read, which both starts waited for.
      expect(requests.toSorted()).toEqual(['/api', '/apis']);
    });

    it('learns a CRD installed after it started, and files the execution already running under it', async () => {
      const kind = `Canary${suffix}`;
      await start(0);
      // Filed under its short name, a kind of its own while discovery does not list it.
      const first = await cluster.apply(manifest({ target: `prod/cn${suffix}/late` }));
      await cluster.waitForPhase(first.metadata.name, 'Running');
      await installCrd(kind, [`cn${suffix}`]);
      const second = await cluster.apply(manifest({ target: `prod/${kind}/late` }));
      await oneRunsOneDeduplicated([first, second]);
      expect((await cluster.read(first.metadata.name))?.status?.phase).toBe('Running');
    });
  },
);
