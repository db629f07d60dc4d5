import { formatKubeMicroTime } from '@roundhouse/core';
import { type KubeObject, KubernetesApiError, resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import { waitForCacheLooks } from './cache-looks.js';
import {
  apply,
  cacheResyncMs,
  finishPod,
  jobsOf,
  patience,
  type RunningController,
  read,
  readCacheLease,
  serializedTaskAction,
  useController,
  waitForPhase,
} from './harness.js';

type LeaseObject = KubeObject & {
  metadata: { name: string };
  spec: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
};

describeWithControlPlane(
  'TaskAction controller: the reservation of a holder that runs, expired or deleted',
  () => {
    const fixture = useController('ta-expiry', { resyncMs: cacheResyncMs });
    const { env, client, start } = fixture;
    const waiterJobs = (name: string) => jobsOf(client(), fixture.executionNamespace, `${name}-0`);
    /** Until `name` has waited `count` looks since `since`, or ran beside its holder. */
    const waitForLooks = (
      controller: RunningController,
      name: string,
      since: number,
      count: number,
      ranBeside: () => Promise<boolean>,
    ) =>
      waitForCacheLooks(
        controller.looks,
        `${env.namespace}/${name}`,
        { since, count },
        ranBeside,
        patience,
      );

    /**
     * Refuses every renewal of the Lease `name` by `holder` (an update that leaves it the holder),
     * as a controller stalled past the Lease's duration writes none: the Lease expires while its
     * holder's attempt runs on. A takeover by another holder, and a delete, are let through.
     */
    const refuseRenewals = async (name: string, holder: string) => {
      const policyName = `ta-expiry-${fixture.executionNamespace}`;
      await client().create(resources.validatingAdmissionPolicies, undefined, {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicy',
        metadata: { name: policyName },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: {
            resourceRules: [
              {
                apiGroups: ['coordination.k8s.io'],
                apiVersions: ['v1'],
                operations: ['UPDATE'],
                resources: ['leases'],
                resourceNames: [name],
              },
            ],
          },
          validations: [
            {
              expression: `!(has(oldObject.spec.holderIdentity) && oldObject.spec.holderIdentity == '${holder}' && has(object.spec.holderIdentity) && object.spec.holderIdentity == '${holder}')`,
              message: 'renewals refused by the test',
            },
          ],
        },
      });
      await client().create(resources.validatingAdmissionPolicyBindings, undefined, {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicyBinding',
        metadata: { name: policyName },
        spec: {
          policyName,
          validationActions: ['Deny'],
          matchResources: {
            namespaceSelector: {
              matchLabels: { 'kubernetes.io/metadata.name': fixture.executionNamespace },
            },
          },
        },
      });
      return async () => {
        await client().delete(resources.validatingAdmissionPolicyBindings, undefined, policyName);
        await client().delete(resources.validatingAdmissionPolicies, undefined, policyName);
      };
    };

    it('keeps the reservation with its holder while it runs, past the Lease expiry, and the waiter runs no Job beside it', async () => {
      const controller = await start();
      const holder = serializedTaskAction('expiry-v1');
      const holderObject = await apply(client(), env.namespace, holder);
      const holderUid = holderObject.metadata?.uid ?? '';
      await waitForPhase(client(), env.namespace, holder.metadata.name, 'Executing');
      const waiter = serializedTaskAction('expiry-v1');
      await apply(client(), env.namespace, waiter);
      await vi.waitFor(async () => {
        const action = await read(client(), env.namespace, waiter.metadata.name);
        const progressing = action?.status.conditions?.find((c) => c.type === 'Progressing');
        expect(progressing?.message).toMatch(/^WaitingForCache: /);
      }, patience);

      const lease = async () =>
        (await readCacheLease(
          client(),
          fixture.executionNamespace,
          env.namespace,
          'expiry-v1',
        )) as LeaseObject | null;
      const leaseName = (await lease())?.metadata.name ?? '';
      const allowRenewals = await refuseRenewals(leaseName, holderUid);
      try {
        // The policy is enforced a moment after it is created: until a renewal is refused.
        await vi.waitFor(async () => {
          const current = await lease();
          if (!current) throw new Error('the Lease is gone');
          const renewal = { ...current, spec: { ...current.spec, renewTime: now() } };
          await expect(
            client().replace(resources.leases, fixture.executionNamespace, leaseName, renewal),
          ).rejects.toBeInstanceOf(KubernetesApiError);
        }, patience);
        // Unchanged from here on: expired by its renewTime and by this controller's sight alike
        // once its duration is over. The waiter looks a heartbeat apart while it waits: four
        // looks after that span a collector's sweep (every three heartbeats) too.
        const durationMs = ((await lease())?.spec.leaseDurationSeconds ?? 0) * 1000;
        const expired = Date.now() + durationMs;
        const holderNow = async () => (await lease())?.spec.holderIdentity;
        await waitForLooks(
          controller,
          waiter.metadata.name,
          expired,
          4,
          async () =>
            (await holderNow()) !== holderUid ||
            (await waiterJobs(waiter.metadata.name)).length > 0,
        );
        expect(await holderNow(), 'the Lease was taken or collected').toBe(holderUid);
        expect(await waiterJobs(waiter.metadata.name), 'the waiter ran beside its holder').toEqual(
          [],
        );
        const waiting = await read(client(), env.namespace, waiter.metadata.name);
        expect(waiting?.status.conditions?.find((c) => c.type === 'Progressing')?.message).toMatch(
          /^WaitingForCache: /,
        );
      } finally {
        await allowRenewals();
      }

      // Released as the holder ends: the waiter is then a hit.
      await finishPod(client(), fixture.executionNamespace, `${holder.metadata.name}-0`, 0);
      await waitForPhase(client(), env.namespace, holder.metadata.name, 'Completed');
      const hit = await waitForPhase(client(), env.namespace, waiter.metadata.name, 'Completed');
      expect(hit.status.cacheStatus).toBe('CACHE_HIT');
    }, 180_000);

    it('keeps a waiter from running beside a holder whose Lease was deleted by hand', async () => {
      const controller = await start();
      const holder = serializedTaskAction('deleted-v1');
      const holderObject = await apply(client(), env.namespace, holder);
      await waitForPhase(client(), env.namespace, holder.metadata.name, 'Executing');
      const waiter = serializedTaskAction('deleted-v1');
      await apply(client(), env.namespace, waiter);
      const waitingMessage = async () => {
        const action = await read(client(), env.namespace, waiter.metadata.name);
        return action?.status.conditions?.find((c) => c.type === 'Progressing')?.message;
      };
      await vi.waitFor(
        async () => expect(await waitingMessage()).toMatch(/^WaitingForCache: /),
        patience,
      );
      const lease = await readCacheLease(
        client(),
        fixture.executionNamespace,
        env.namespace,
        'deleted-v1',
      );
      await client().delete(
        resources.leases,
        fixture.executionNamespace,
        lease?.metadata?.name ?? '',
      );

      const deleted = Date.now();

      // The waiter has found no Lease three times, and kept waiting each time.
      await waitForLooks(
        controller,
        waiter.metadata.name,
        deleted,
        3,
        async () => (await waiterJobs(waiter.metadata.name)).length > 0,
      );
      expect(await waiterJobs(waiter.metadata.name), 'the waiter ran beside its holder').toEqual(
        [],
      );
      expect(await waitingMessage()).toContain(holderObject.metadata?.uid ?? '');

      await finishPod(client(), fixture.executionNamespace, `${holder.metadata.name}-0`, 0);
      await waitForPhase(client(), env.namespace, holder.metadata.name, 'Completed');
      const hit = await waitForPhase(client(), env.namespace, waiter.metadata.name, 'Completed');
      expect(hit.status.cacheStatus).toBe('CACHE_HIT');
    }, 180_000);
  },
);

const now = () => formatKubeMicroTime(new Date());
