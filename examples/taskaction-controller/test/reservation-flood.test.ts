import { KubeClient, type KubeObject } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import {
  apply,
  cacheResyncMs,
  finishPod,
  jobsOf,
  patience,
  read,
  readCacheLease,
  serializedTaskAction,
  taskAction,
  useController,
  waitForPhase,
} from './harness.js';

const ownerLabel = 'roundhouse.dev/workflow-execution';

/** Resolves when `signal` aborts, so a held request ends with the reconcile that sent it. */
const abortedOf = (signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve()));

describeWithControlPlane(
  'TaskAction controller: reservations renewed while the queue is flooded',
  () => {
    // One worker, as a busy controller's workers all are: whatever holds it holds every key.
    const fixture = useController('ta-renew', { resyncMs: cacheResyncMs, workers: 1 });
    const { env, client, start } = fixture;

    /**
     * A client whose Job creates for the flood's actions wait until `open()`: the one worker is
     * then held by a flood action's launch, as by a queue flooded with other keys, and no other
     * key of the controller is reconciled meanwhile.
     */
    const floodGate = () => {
      const gated = new KubeClient(env.kubeConfig);
      const realCreate = gated.create.bind(gated);
      let open = () => {};
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      let reached = () => {};
      const held = new Promise<void>((resolve) => {
        reached = resolve;
      });
      vi.spyOn(gated, 'create').mockImplementation(async (type, namespace, body, options) => {
        if (type.kind === 'Job' && body.metadata?.labels?.[ownerLabel]?.startsWith('flood-')) {
          reached();
          await Promise.race([opened, abortedOf(options?.signal)]);
        }
        return realCreate(type, namespace, body, options);
      });
      return { gated, held, open };
    };

    it("keeps the holder's Lease past three heartbeats of a flooded queue, and no second action of its key starts", async () => {
      const gate = floodGate();
      await start({ executorClient: gate.gated });
      try {
        const holder = serializedTaskAction('flooded-v1');
        const holderObject = await apply(client(), env.namespace, holder);
        await waitForPhase(client(), env.namespace, holder.metadata.name, 'Executing');
        const waiter = serializedTaskAction('flooded-v1');
        await apply(client(), env.namespace, waiter);
        await vi.waitFor(async () => {
          const action = await read(client(), env.namespace, waiter.metadata.name);
          const progressing = action?.status.conditions?.find((c) => c.type === 'Progressing');
          expect(progressing?.message).toMatch(/^WaitingForCache: /);
        }, patience);

        // The flood: the controller watches this file's namespace only (other files share the
        // control plane), so its actions share the holder's namespace; they share its worker all
        // the same, as another namespace's would.
        for (let i = 0; i < 10; i += 1) {
          await apply(client(), env.namespace, taskAction({}, `flood-${i}`));
        }
        await gate.held;
        const lease = () =>
          readCacheLease(client(), fixture.executionNamespace, env.namespace, 'flooded-v1');
        const before = (await lease()) as KubeObject & { spec: { renewTime: string } };
        const floodedFrom = Date.parse(before.spec.renewTime);

        // Renewed more than three heartbeats past the last renewal before the flood: past the
        // moment its Lease would have expired (and been collected, or taken by the waiter).
        const seen = await vi.waitFor(async () => {
          const now = (await lease()) as
            | (KubeObject & { spec?: { holderIdentity?: string; renewTime?: string } })
            | null;
          const holderIdentity = now?.spec?.holderIdentity ?? null;
          if (holderIdentity !== holderObject.metadata?.uid) return { holderIdentity };
          expect(Date.parse(now?.spec?.renewTime ?? '')).toBeGreaterThanOrEqual(
            floodedFrom + 4 * cacheResyncMs,
          );
          return { holderIdentity };
        }, patience);
        expect(seen.holderIdentity, 'the Lease lost while the queue was flooded').toBe(
          holderObject.metadata?.uid,
        );

        gate.open();
        await finishPod(client(), fixture.executionNamespace, `${holder.metadata.name}-0`, 0);
        await waitForPhase(client(), env.namespace, holder.metadata.name, 'Completed');
        const hit = await waitForPhase(client(), env.namespace, waiter.metadata.name, 'Completed');
        expect(hit.status.cacheStatus).toBe('CACHE_HIT');
        expect(
          await jobsOf(client(), fixture.executionNamespace, `${waiter.metadata.name}-0`),
        ).toEqual([]);
      } finally {
        gate.open();
      }
    });
  },
);
