import { setTimeout as sleep } from 'node:timers/promises';
import { executionResourceName } from '@roundhouse/core';
import { type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane, tektonAvailable } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { beforeAll, expect, it, vi } from 'vitest';
import { ownerUid, targetOf, watchLive } from '../support/campaign-objects.js';
import { type TektonDriver, tektonDriver } from '../support/tekton.js';
import {
  expectNothingReportedTwice,
  type Phased,
  seeded,
  untilWorking,
  useCampaign,
} from './crash-harness.js';

/**
 * The tekton engine's crash campaign: the controller process killed with SIGKILL at random
 * points while executions arrive, start, are deleted and applied again on the same target, and
 * while their PipelineRuns end (succeed, fail or time out) with the controller up or down.
 * Whatever a kill interrupts (a finalizer write, a PipelineRun create, a status write, a
 * foreground cleanup), no execution gets a second PipelineRun, each ends as its run ended, a
 * deleted one leaves no PipelineRun, and no Event is reported twice.
 */
describeWithControlPlane('the controller with the tekton engine killed again and again', () => {
  let tekton: TektonDriver;
  const campaign = useCampaign({
    prefix: 'wfe-crash-tkn',
    engine: 'tekton',
    flags: () => [
      '--cooldown=30m',
      // kubernaut's Event at every step, so that "nothing reported twice" covers each step.
      '--events=lifecycle',
      `--allowed-bundles=${tekton.executionBundle}`,
    ],
  });
  const { env } = campaign;
  const random = seeded(20_261_204);
  /** Which runs end when: its own sequence, as how many runs there are to pick from varies. */
  const pick = seeded(1_204);
  const rounds = 12;
  const perRound = 3;
  const distinct = rounds * perRound;
  const pairs = rounds / 3;
  /** Every PipelineRun the API server ever announced, as first seen, by uid. */
  const everCreated = new Map<string, KubeObject>();
  /** The PipelineRuns that exist now, by name. */
  const live = new Map<string, KubeObject>();

  beforeAll(async () => {
    const { admin, executionNamespace } = campaign;
    tekton = await tektonDriver(env);
    await tekton.prepare(admin, executionNamespace);
    // Without real Tekton its CRDs were just installed, and their storage may still be starting.
    const { resourceVersion } = await vi.waitFor(
      () => admin.list(resources.pipelineRuns, executionNamespace),
      { timeout: 30_000, interval: 250 },
    );
    watchLive(
      admin,
      resources.pipelineRuns,
      executionNamespace,
      { resourceVersion, signal: campaign.signal },
      live,
      ({ type, object }) => {
        if (type === 'ADDED') everCreated.set(object.metadata?.uid as string, object);
      },
    );
  }, 300_000);

  const target = (t: number) => `${env.namespace}/deployment/app-${t}`;
  const run = (t: number) => executionResourceName(target(t));
  /** Runs nobody ends: Tekton times them out, whether the controller is up or down. */
  const timed = (t: number) => t % 5 === 3;
  /** How target t's runs end, fixed in advance so the end state is known. */
  const outcome = (t: number) => (t % 3 === 1 || timed(t) ? 'Failed' : 'Completed');
  /**
   * How a failed run ends its execution, and whether the run stays for the cooldown. Real
   * Tekton fails the task the test failed, and times out a run past its timeout: both ran, and
   * stay. Played Tekton fails a run that started no TaskRun, which never ran, so its lock is
   * released (its run deleted) at once; and times out nothing, so the controller stops the run
   * itself past the deadline's grace, deleting it.
   */
  const failedAs = tektonAvailable()
    ? { reason: 'TaskFailed', kept: true, timedOutKept: true }
    : { reason: 'Unknown', kept: false, timedOutKept: false };
  const body = (name: string): KubeObject => ({
    metadata: { name },
    spec: {
      workflowRef: { workflowId: 'crash', version: '1', executionBundle: tekton.executionBundle },
      targetResource: target(targetOf(name)),
      executionEngine: 'tekton',
      parameters: { REPLICAS: '1' },
      ...(timed(targetOf(name)) ? { executionConfig: { timeout: '3s' } } : {}),
    },
  });

  it('gives no execution a second PipelineRun, ends each as its run ended, cleans up deletions', async () => {
    const { admin, executionNamespace } = campaign;
    /** Every execution created, name by uid. */
    const names = new Map<string, string>();
    const deleted = new Set<string>();
    /** Deleted executions applied again, on the same target, in the next round. */
    let again: string[] = [];
    /** The uids of the runs the test ended. */
    const ended = new Set<string>();
    const create = async (batch: string[]) => {
      const created = await Promise.all(
        batch.map((name) => admin.create(workflowExecutions, env.namespace, body(name))),
      );
      for (const { object } of created)
        names.set(object.metadata?.uid as string, object.metadata?.name as string);
    };
    const remove = async (name: string) => {
      deleted.add(name);
      again.push(`wfe-${targetOf(name)}-again`);
      await admin.delete(workflowExecutions, env.namespace, name);
    };
    /** A run the test ends: not timed, its execution not deleted, and not ended yet. */
    const endable = (r: KubeObject) => {
      const owner = names.get(ownerUid(r) as string);
      if (owner === undefined || deleted.has(owner) || timed(targetOf(owner))) return false;
      return !ended.has(r.metadata?.uid as string);
    };
    const end = async (r: KubeObject) => {
      ended.add(r.metadata?.uid as string);
      const t = targetOf(names.get(ownerUid(r) as string) as string);
      const finish = outcome(t) === 'Failed' ? tekton.fail : tekton.succeed;
      await finish(admin, executionNamespace, r.metadata?.name as string);
    };
    /**
     * Ends some of the runs that existed before this round, whose task pods had time to start:
     * the kill then lands before, during or after the controller sees them end.
     */
    const endSome = async (ready: ReadonlySet<string>) => {
      const due = [...live.values()].filter(
        (r) => ready.has(r.metadata?.uid as string) && endable(r) && pick() < 0.6,
      );
      await Promise.all(due.map(end));
    };
    let pair = 0;
    for (let round = 0; round < rounds; round++) {
      const ready = new Set([...live.values()].map((r) => r.metadata?.uid as string));
      await create([
        ...again,
        ...Array.from({ length: perRound }, (_, i) => `wfe-${round * perRound + i}`),
      ]);
      again = [];
      // Every few rounds a pair on one target arrives too.
      if (round % 3 === 2) {
        const t = distinct + pair++;
        await create([`wfe-${t}-a`, `wfe-${t}-b`]);
      }
      const endedWhileUp = await campaign.killWhileWorking(async () => {
        const endWhileUp = random() < 0.5;
        await sleep(random() * 400);
        if (endWhileUp) await endSome(ready);
        if (round % 2 === 1) {
          const name = `wfe-${Math.floor(random() * round * perRound)}`;
          if (!deleted.has(name)) {
            await remove(name);
            await sleep(random() * 200);
          }
        }
        return endWhileUp;
      });
      if (!endedWhileUp) await endSome(ready);
      // Deleted while the controller is down: one of the executions this kill interrupted,
      // so its PipelineRun may exist without the finalizer that would have cleaned it up.
      if (round % 3 === 2) await remove(`wfe-${round * perRound}`);
    }
    await create(again);
    const controller = campaign.start();
    await untilWorking(controller);

    // Every target still applied gets its run, which the test ends once the controller made it;
    // an execution applied again waits for its predecessor's run to be cleaned up first.
    const applied = new Set([...names.values()].filter((n) => !deleted.has(n)).map(targetOf));
    await Promise.all(
      [...applied].map(async (t) => {
        const current = await vi.waitFor(
          () => {
            const r = live.get(run(t));
            const owner = names.get(ownerUid(r) as string);
            expect(owner !== undefined && !deleted.has(owner), `the run of target ${t}`).toBe(true);
            return r as KubeObject;
          },
          { timeout: 90_000, interval: 250 },
        );
        if (endable(current)) await end(current);
      }),
    );

    const settled = await vi.waitFor(
      async () => {
        const { items } = await admin.list<Phased>(workflowExecutions, env.namespace);
        expect(items.length).toBe(names.size - deleted.size);
        for (const wfe of items) {
          const name = wfe.metadata?.name;
          expect(wfe.metadata?.deletionTimestamp, name).toBeUndefined();
          expect(['Completed', 'Failed', 'Pending'], name).toContain(wfe.status?.phase);
        }
        // A deleted execution's run goes in the foreground: gone once its TaskRuns and pods are.
        for (const r of live.values()) {
          const owner = names.get(ownerUid(r) as string);
          expect(
            owner === undefined || !deleted.has(owner),
            `${r.metadata?.name} of ${owner}`,
          ).toBe(true);
        }
        return items;
      },
      { timeout: 120_000, interval: 500 },
    );
    controller.kill();

    // Every run names the execution it was made for, and none was made twice for one.
    const runsOf = new Map<string, number>();
    for (const r of everCreated.values()) {
      const owner = names.get(ownerUid(r) as string);
      expect(owner, `owner of ${r.metadata?.name}`).toBeDefined();
      runsOf.set(owner as string, (runsOf.get(owner as string) ?? 0) + 1);
    }
    for (const [owner, count] of runsOf) expect(count, `PipelineRuns of ${owner}`).toBe(1);
    // So each lock name had one run, two where its execution was deleted and applied again.
    const perName = new Map<string, number>();
    for (const r of everCreated.values()) {
      const name = r.metadata?.name as string;
      perName.set(name, (perName.get(name) ?? 0) + 1);
    }
    for (let t = 0; t < distinct + pairs; t++) {
      const allowed = deleted.has(`wfe-${t}`) ? 2 : 1;
      expect(perName.get(run(t)) ?? 0, `PipelineRuns of target ${t}`).toBeLessThanOrEqual(allowed);
    }
    // The watch saw the runs, so "once each" above counts something.
    expect(runsOf.size).toBeGreaterThanOrEqual(distinct + pairs);

    const byName = new Map(settled.map((w) => [w.metadata?.name as string, w]));
    const { items: runs } = await admin.list<KubeObject>(
      resources.pipelineRuns,
      executionNamespace,
    );
    // What holds each lock now; a run on its way out holds it for nobody.
    const holders = new Map(
      runs
        .filter((r) => !r.metadata?.deletionTimestamp)
        .map((r) => [r.metadata?.name as string, names.get(ownerUid(r) as string)]),
    );
    for (const name of deleted) expect(byName.has(name), name).toBe(false);
    for (const t of applied) {
      const owners = [...byName.keys()].filter((n) => targetOf(n) === t);
      const states = owners.map((n) => byName.get(n)?.status);
      // A pair's second found the lock held (Deduplicated) or waits out the cooldown (Pending).
      const ran = owners.filter(
        (n) =>
          byName.get(n)?.status?.phase !== 'Pending' &&
          byName.get(n)?.status?.failureDetails?.reason !== 'Deduplicated',
      );
      expect(ran, `target ${t}: ${JSON.stringify(states)}`).toHaveLength(1);
      const status = byName.get(ran[0] as string)?.status;
      expect(status?.phase, `target ${t}`).toBe(outcome(t));
      expect(status?.executionRef?.name, `target ${t}`).toBe(run(t));
      if (outcome(t) === 'Failed') {
        const reason = timed(t) ? 'DeadlineExceeded' : failedAs.reason;
        expect(status?.failureDetails?.reason, `target ${t}`).toBe(reason);
      }
      const kept = outcome(t) === 'Completed' || (timed(t) ? failedAs.timedOutKept : failedAs.kept);
      expect(holders.get(run(t)), `the PipelineRun of target ${t}`).toBe(kept ? ran[0] : undefined);
    }
    // However often a kill interrupted it, nothing was reported twice, nor under two names: a
    // start is ExecutionCreated or, adopted, PipelineRunCreated.
    await expectNothingReportedTwice(admin, env.namespace, /^(Execution|PipelineRun)Created$/);
  }, 300_000);
});
