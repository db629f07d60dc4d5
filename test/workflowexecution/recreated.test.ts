import { conventionKeys, type Logger, roundhouseConventions } from '@roundhouse/core';
import { type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { expect, it, vi } from 'vitest';
import { interceptFinalizerWrites, interceptJobCreates } from './client-intercepts.js';
import { useController } from './controller-fixture.js';
import { apply, jobRegistry, manifest, patience, read } from './harness.js';

const uidAnnotation = conventionKeys(roundhouseConventions).workflowExecutionUidAnnotation;

/** A logger that keeps what was logged at error level. */
function errorsLogged(): Logger & { errors: { fields: unknown; message: string }[] } {
  const errors: { fields: unknown; message: string }[] = [];
  const ignore = () => {};
  return {
    errors,
    debug: ignore,
    info: ignore,
    warn: ignore,
    error: (fields: unknown, message?: string) => errors.push({ fields, message: message ?? '' }),
  } as Logger & { errors: { fields: unknown; message: string }[] };
}

describeWithControlPlane(
  'WorkflowExecution re-created under its name while the cache holds the old one',
  () => {
    const cluster = useController('wfe-recreated');
    const { env } = cluster;
    const admin = cluster.client;

    it('starts the new execution from its own spec exactly once, and the old spec never under the new uid', async () => {
      const target = `${env.namespace}/deployment/reborn`;
      const old = manifest({ name: 'reborn', target, bundle: 'registry.invalid/old:1' });
      const successor = manifest({ name: 'reborn', target, bundle: 'registry.invalid/new:1' });
      // Between the controller's read of the first execution (from its cache) and its finalizer
      // write, the author deletes it (no finalizer holds it yet) and creates another under the
      // same name: the reconcile goes on with uid-1's copy while the API server holds uid-2.
      let replacement: KubeObject | undefined;
      const writer = interceptFinalizerWrites(env.kubeConfig, async (send, { namespace, name }) => {
        if (name === old.metadata.name && !replacement) {
          replacement = {};
          await admin().delete(workflowExecutions, namespace, name);
          await vi.waitFor(
            async () => expect(await read(admin(), namespace, name)).toBeNull(),
            patience,
          );
          replacement = await apply(admin(), namespace, successor);
        }
        return send();
      });
      // Every Job the engine creates: for which execution (uid) and running which bundle.
      const jobs: { uid: string | undefined; image: string | undefined }[] = [];
      const creator = interceptJobCreates(env.kubeConfig, (send, body) => {
        const job = body as KubeObject & {
          spec?: { template?: { spec?: { containers?: { image?: string }[] } } };
        };
        jobs.push({
          uid: job.metadata?.annotations?.[uidAnnotation],
          image: job.spec?.template?.spec?.containers?.[0]?.image,
        });
        return send();
      });
      const logger = errorsLogged();
      await cluster.start({
        registry: jobRegistry(env.kubeConfig, { runSeconds: 1 }, creator),
        client: writer,
        cooldownMs: 60_000,
        logger,
      });
      const first = await cluster.apply(old);
      // Started is what this controller decides; Completed is up to kube-controller-manager,
      // which may hold a Job re-created under a name it saw deleted a moment before for as long
      // as its pod expectations last (minutes): the successor's Job reuses uid-1's lock name.
      const done = await vi.waitFor(async () => {
        const current = await cluster.read(old.metadata.name);
        expect(current?.status?.executionRef?.name).toBeDefined();
        expect(['Running', 'Completed']).toContain(current?.status?.phase);
        return current as NonNullable<typeof current>;
      }, patience);
      const uid1 = first.metadata?.uid;
      const uid2 = replacement?.metadata?.uid;
      expect(uid2).toBeDefined();
      expect(done.metadata.uid).toBe(uid2);
      expect(uid1).not.toBe(uid2);
      // uid-2 ran its own bundle, once; nothing ran uid-1's bundle under uid-2.
      expect(jobs.filter((job) => job.uid === uid2)).toEqual([
        { uid: uid2, image: 'registry.invalid/new:1' },
      ]);
      expect(jobs.filter((job) => job.image === 'registry.invalid/old:1')).toEqual(
        jobs.filter((job) => job.uid === uid1),
      );
      // Its status points at its own Job, which names it and no other.
      const ref = done.status?.executionRef?.name;
      expect(ref).toBeDefined();
      const job = await admin().get<KubeObject>(
        resources.jobs,
        cluster.executionNamespace,
        ref as string,
      );
      expect(job?.metadata?.annotations?.[uidAnnotation]).toBe(uid2);
      // Whatever uid-1's copy started is gone, and no reconcile of the name failed on the way.
      await vi.waitFor(async () => {
        const { items } = await admin().list<KubeObject>(
          resources.jobs,
          cluster.executionNamespace,
        );
        expect(items.filter((j) => j.metadata?.annotations?.[uidAnnotation] === uid1)).toEqual([]);
      }, patience);
      expect(logger.errors).toEqual([]);
    });
  },
);
