import { setTimeout as sleep } from 'node:timers/promises';
import { roundhouseConventions } from '@roundhouse/core';
import { type KubeObject, resources } from '@roundhouse/kube';
import { podResultFinalizer } from '@roundhouse/pod';
import { describeWithControlPlane, podControls } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { beforeAll, expect, it, vi } from 'vitest';
import { ownerUid, targetOf, watchLive } from '../support/campaign-objects.js';
import {
  expectNothingReportedTwice,
  type Phased,
  seeded,
  untilWorking,
  useCampaign,
} from './crash-harness.js';

const finalizer = podResultFinalizer(roundhouseConventions);
const cooldownMs = 2_000;

/** Two steps in order: the first an init container, the last the Pod's main container. */
const steps = {
  steps: [
    { name: 'prepare', image: 'registry.invalid/tools:1', script: 'echo prepare' },
    { name: 'apply', image: 'registry.invalid/tools:1', script: 'echo apply' },
  ],
};

/** Its steps fail (the fake node ends the Pod with exit code 1) on every fourth target. */
const failsOn = (t: number) => t % 4 === 2;

type Pod = KubeObject & { status?: { phase?: string } };

/**
 * The pod engine's crash campaign: the controller process killed with SIGKILL at random points
 * while executions arrive, their Pods run and end (with the controller up or down), some
 * executions are deleted (running, finished, or while no controller runs, then applied again on
 * the same target) and some finished
 * Pods are deleted by another hand while none runs, as PodGC would. Whatever a kill interrupts
 * (a finalizer write, a Pod create, a status write, a cleanup and its finalizer patch), each
 * execution ends as its steps ended, reported once; no execution ever gets a second Pod (its
 * steps would run again); and once the cooldowns are over no Pod, Terminating or not, and no
 * lock is left.
 */
describeWithControlPlane('the controller with the pod engine killed again and again', () => {
  // The installable controller, through a proxy the campaign stalls: its steps' images and
  // bundle allowed, a short cooldown so that locks are released within the test.
  const campaign = useCampaign({
    prefix: 'wfe-crash-pod',
    engine: 'pod',
    stallable: true,
    flags: () => [
      '--allowed-bundles=registry.invalid/*',
      '--allowed-images=registry.invalid/*',
      `--cooldown=${cooldownMs / 1_000}s`,
    ],
  });
  const { env } = campaign;
  const random = seeded(20_261_206);
  const rounds = 10;
  const perRound = 3;
  const total = rounds * perRound;
  const deleted = new Set<string>();
  /** Executions applied again on a target whose execution was deleted. */
  let again = 0;
  /** Every Pod uid the API server announced, by the uid of the execution it records. */
  const podsByOwner = new Map<string, Set<string>>();
  /** When each Pod (by uid) was first seen ended, for a PodGC that comes later. */
  const endedAt = new Map<string, number>();
  /** The Pods that exist now, by name. */
  const live = new Map<string, Pod>();
  const finishing: Promise<unknown>[] = [];

  beforeAll(async () => {
    const { admin, executionNamespace, signal } = campaign;
    const finish = seeded(1_206);
    const { resourceVersion } = await admin.list(resources.pods, executionNamespace);
    watchLive(
      admin,
      resources.pods,
      executionNamespace,
      { resourceVersion, signal },
      live,
      ({ type, object }) => {
        const name = object.metadata?.name as string;
        const uid = object.metadata?.uid as string;
        const phase = object.status?.phase;
        if ((phase === 'Succeeded' || phase === 'Failed') && !endedAt.has(uid)) {
          endedAt.set(uid, Date.now());
        }
        if (type !== 'ADDED') return;
        const owner = ownerUid(object) ?? '';
        podsByOwner.set(owner, (podsByOwner.get(owner) ?? new Set()).add(uid));
        // The fake node runs a Pod without a control annotation until it is deleted: end each a
        // while after it appears, as its execution's steps decide, whether a controller runs then.
        const exit = failsOn(targetNumberOf(object)) ? { [podControls.exitCode]: '1' } : {};
        finishing.push(
          sleep(finish() * 1_500).then(() =>
            admin
              .patch(
                resources.pods,
                executionNamespace,
                name,
                {
                  metadata: {
                    uid,
                    annotations: { [podControls.runSeconds]: '0', ...exit },
                  },
                },
                { strategy: 'merge' },
              )
              .catch(() => undefined),
          ),
        );
      },
    );
  });

  /** The target number an execution's Pod works on, from the TARGET_RESOURCE of its steps. */
  function targetNumberOf(pod: KubeObject): number {
    const spec = (pod as { spec?: { containers?: { env?: { name: string; value: string }[] }[] } })
      .spec;
    const target = spec?.containers?.[0]?.env?.find((e) => e.name === 'TARGET_RESOURCE')?.value;
    return Number(/app-(\d+)$/.exec(target ?? '')?.[1]);
  }

  const body = (t: number, suffix = ''): KubeObject => ({
    metadata: { name: `wfe-${t}${suffix}` },
    spec: {
      workflowRef: {
        workflowId: 'crash',
        version: '1',
        executionBundle: 'registry.invalid/c:1',
        engineConfig: steps,
      },
      targetResource: `${env.namespace}/deployment/app-${t}`,
      executionEngine: 'pod',
    },
  });

  const remove = async (name: string) => {
    deleted.add(name);
    await campaign.admin.delete(workflowExecutions, env.namespace, name);
  };

  /** As PodGC deletes finished Pods: those that ended over a second ago (in an earlier second). */
  const collectFinishedPods = async () => {
    for (const pod of live.values()) {
      const at = endedAt.get(pod.metadata?.uid as string);
      if (at === undefined || Date.now() - at < 1_500 || pod.metadata?.deletionTimestamp) continue;
      await campaign.admin.delete(
        resources.pods,
        campaign.executionNamespace,
        pod.metadata?.name as string,
      );
    }
  };

  it('ends every execution as its steps ended, each Pod made once, and leaves no Pod or lock behind', async () => {
    const { admin, executionNamespace } = campaign;
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < perRound; i++) {
        await admin.create(workflowExecutions, env.namespace, body(round * perRound + i));
      }
      const controller = campaign.start();
      await untilWorking(controller);
      await sleep(random() * 1_500);
      // Every third round the API server stalls: the kill lands in the stall, or the stall ends
      // and its held requests and answers arrive late.
      const stall = round % 3 === 0;
      const killInStall = stall && random() < 0.5;
      if (stall) {
        campaign.proxy?.stall();
        await sleep(random() * 2_500);
        if (!killInStall) campaign.proxy?.resume();
      }
      if (round % 3 === 1) {
        const name = `wfe-${Math.floor(random() * round * perRound)}`;
        if (!deleted.has(name)) {
          await remove(name);
          await sleep(random() * 300);
        }
      }
      controller.kill();
      await controller.closed;
      // What the killed controller sent during the stall reaches the API server now.
      if (killInStall) campaign.proxy?.resume();
      // While no controller runs: Pods end, and PodGC or a drain deletes finished ones.
      await sleep(random() * 1_000);
      if (round % 3 === 2) {
        // Time for the Pods it left running to end first, unrecorded.
        await sleep(2_500);
        await collectFinishedPods();
      }
      if (round % 4 === 3) {
        // Deleted while no controller runs, and applied again on the same target: the new one
        // runs once the old one's Pod, kept by its finalizer, is gone.
        const t = round * perRound;
        await remove(`wfe-${t}`);
        await admin.create(workflowExecutions, env.namespace, body(t, '-again'));
        again += 1;
      }
    }
    const last = campaign.start();
    await untilWorking(last);

    const settled = await vi.waitFor(
      async () => {
        const { items } = await admin.list<Phased>(workflowExecutions, env.namespace);
        expect(items).toHaveLength(total + again - deleted.size);
        for (const wfe of items) {
          const name = wfe.metadata?.name as string;
          const expected = failsOn(targetOf(name)) ? 'Failed' : 'Completed';
          expect(wfe.status?.phase, `${name} ${JSON.stringify(wfe.status)}`).toBe(expected);
          const released = wfe.status?.conditions?.find((c) => c.type === 'LockReleased');
          expect(released?.status, name).toBe('True');
        }
        return items;
      },
      { timeout: 150_000, interval: 1_000 },
    );
    last.kill();
    await last.closed;
    await Promise.all(finishing);

    // A failure is the step's own, never the Pod's deletion read as one.
    for (const wfe of settled.filter((w) => w.status?.phase === 'Failed')) {
      expect(wfe.status?.failureDetails?.reason, wfe.metadata?.name).toBe('TaskFailed');
    }
    // The watch saw the Pods, so "at most one each" counts something.
    expect(podsByOwner.size).toBeGreaterThanOrEqual(total + again - deleted.size);
    for (const wfe of settled) {
      const pods = podsByOwner.get(wfe.metadata?.uid as string)?.size ?? 0;
      expect(pods, `Pods made for ${wfe.metadata?.name}`).toBe(1);
    }
    for (const [owner, pods] of podsByOwner) expect(pods.size, owner).toBe(1);
    const { items: left } = await admin.list<Pod>(resources.pods, executionNamespace);
    expect(
      left.map((p) => `${p.metadata?.name} ${p.metadata?.finalizers?.includes(finalizer)}`),
    ).toEqual([]);
    const { items: locks } = await admin.list(resources.leases, executionNamespace);
    expect(locks.map((l) => l.metadata?.name)).toEqual([]);
    await expectNothingReportedTwice(admin, env.namespace, /^(Execution|Pod)Created$/);
  }, 300_000);
});
