import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { taskRuns } from '@roundhouse/pod';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { ControllerProcess } from '../../../test/example-controller/controller-process.js';
import {
  kubeconfigDirectory,
  type Reported,
  seeded,
  untilWorking,
} from '../../../test/example-controller/crash-harness.js';
import { ensureTaskRunCrds } from '../src/install.js';
import {
  type Plan,
  parallelSteps,
  type SeenPod,
  sequentialSteps,
  startTaskRunControllerProcess,
  watchPods,
} from './crash-harness.js';
import { createTask, createTaskRun, step, type TaskRunObject } from './harness.js';

/** What each kind of run does, in turn: succeed, fail at a step, or run past its timeout. */
const plans: readonly Plan[] = [
  { task: 'sequential' },
  { task: 'sequential', fail: { step: 'build', code: 3 } },
  { task: 'parallel', fail: { step: 'test', code: 4 } },
  { task: 'sequential', hang: true },
  { task: 'parallel' },
  { task: 'sequential', fail: { step: 'report', code: 5 } },
  { task: 'sequential', fail: { step: 'fetch', code: 7 } },
];

/**
 * The TaskRun controller's main killed with SIGKILL 0-400 ms after it started working, again and
 * again, while runs arrive, their Pods finish (some while it is down), runs time out and are
 * deleted (while it is up or down) and created again under the same name: in the end every run
 * shows what its one Pod did, as one uninterrupted controller would have shown it.
 */
describeWithControlPlane('the TaskRun controller killed again and again', () => {
  const env = useTestNamespace({ prefix: 'taskrun-crash' });
  // CRASH_SEED=<n> runs another schedule of kills; a failing one is run again with its seed.
  const random = seeded(Number(process.env.CRASH_SEED ?? 20_261_204));
  const driverDelay = seeded(4_122_026);
  const rounds = 11;
  const perRound = 3;
  let dir: string;
  let controller: ControllerProcess | undefined;
  const stopWatch = new AbortController();
  /** Each run's plan, by uid (a run created again under its name has a plan of its own). */
  const planOf = new Map<string, Plan>();
  let pods: { seen: Map<string, SeenPod>; errors: unknown[] };

  beforeAll(async () => {
    const admin = new KubeClient(env.kubeConfig);
    await ensureTaskRunCrds(admin);
    await createTask(admin, env.namespace, 'sequential', {
      steps: sequentialSteps.map((s) => step(s)),
    });
    await createTask(admin, env.namespace, 'parallel', {
      parallel: true,
      steps: parallelSteps.map((s) => step(s)),
    });
    dir = kubeconfigDirectory(env.kubeConfig, 'roundhouse-taskrun-crash-');
    pods = await watchPods(admin, env.namespace, {
      planOf: (uid) => planOf.get(uid),
      delay: () => driverDelay() * 600,
      signal: stopWatch.signal,
    });
  });

  afterAll(() => {
    stopWatch.abort();
    controller?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const start = () =>
    startTaskRunControllerProcess([
      `--kubeconfig=${join(dir, 'kubeconfig')}`,
      `--watch-namespace=${env.namespace}`,
      '--allowed-images=registry.invalid/*',
      '--workers=4',
      '--health-port=0',
    ]);

  it('ends every run as its one Pod did, times out the hung ones, and leaves no Pod of a deleted run', async () => {
    const admin = new KubeClient(env.kubeConfig);
    /** The live incarnation of each name, by uid; deleted uids go to `deleted`. */
    const current = new Map<string, string>();
    const deleted = new Set<string>();
    let created = 0;
    const create = async (name: string, plan: Plan) => {
      const run = await createTaskRun(admin, env.namespace, name, {
        taskRef: { name: plan.task },
        ...(plan.hang ? { timeout: '2s' } : {}),
      });
      planOf.set(run.metadata?.uid as string, plan);
      current.set(name, run.metadata?.uid as string);
    };
    const remove = async (name: string) => {
      const uid = current.get(name);
      if (!uid) return;
      current.delete(name);
      deleted.add(uid);
      await admin.delete(taskRuns, env.namespace, name);
    };
    const someRun = () => `tr-${Math.floor(random() * created)}`;

    for (let round = 0; round < rounds; round++) {
      // Runs arrive while the controller is down, so each start begins with a burst of Pod
      // creates for the kill to land in.
      for (let i = 0; i < perRound; i++) {
        await create(`tr-${created}`, plans[created % plans.length] as Plan);
        created += 1;
      }
      const running = start();
      controller = running;
      await untilWorking(running);
      await sleep(random() * 400);
      if (round % 4 === 1) await remove(someRun());
      running.kill();
      await running.closed;
      if (round % 4 === 3) {
        // One of the runs this kill interrupted, deleted while the controller is down (its Pod
        // may exist without the status naming it), and at times created again at once, while
        // its predecessor's Pod of the same name is still there.
        const name = `tr-${created - perRound}`;
        await remove(name);
        if (round % 8 === 3) await create(name, plans[(round + 3) % plans.length] as Plan);
      }
      if (round % 3 === 2) {
        // Created again under a name whose last run was deleted: its predecessor's Pod (same
        // name) may still be there, going or not.
        const name = [...Array(created).keys()].map((n) => `tr-${n}`).find((n) => !current.has(n));
        if (name) await create(name, plans[(round + 1) % plans.length] as Plan);
      }
      // Pods finish while the controller is down.
      await sleep(random() * 300);
    }
    controller = start();

    // A run created again waits in Pending (PreviousExecutionNotCleaned) until the garbage
    // collector deletes its predecessor's Pod, and the collector acts on TaskRuns' dependents
    // only once its periodic discovery has found the CRD installed just before the campaign.
    const settled = await vi.waitFor(
      async () => {
        const { items } = await admin.list<TaskRunObject>(taskRuns, env.namespace);
        const live = items.filter((r) => !r.metadata?.deletionTimestamp);
        expect(live.map((r) => r.metadata?.uid).sort()).toEqual([...current.values()].sort());
        for (const run of live) {
          expect(['Succeeded', 'Failed'], run.metadata?.name).toContain(run.status?.phase);
        }
        const { items: left } = await admin.list<KubeObject>(resources.pods, env.namespace);
        const owners = left.map((p) => p.metadata?.ownerReferences?.[0]?.uid);
        // A deleted run's Pod is the garbage collector's; a timed-out run's, the controller's.
        for (const uid of deleted) expect(owners, `Pod of deleted run ${uid}`).not.toContain(uid);
        for (const run of live) {
          if (planOf.get(run.metadata?.uid as string)?.hang) {
            expect(owners, `Pod of timed-out ${run.metadata?.name}`).not.toContain(
              run.metadata?.uid,
            );
          }
        }
        return live;
      },
      { timeout: 90_000, interval: 300 },
    );
    controller.kill();
    stopWatch.abort();

    expect(pods.errors).toEqual([]);
    // At most one Pod ever per run; and the watch saw every live run's.
    const podsOf = new Map<string, SeenPod[]>();
    for (const pod of pods.seen.values()) {
      if (pod.owner) podsOf.set(pod.owner, [...(podsOf.get(pod.owner) ?? []), pod]);
    }
    for (const [owner, owned] of podsOf) expect(owned, `Pods of ${owner}`).toHaveLength(1);
    for (const run of settled) {
      const uid = run.metadata?.uid as string;
      const name = run.metadata?.name;
      const plan = planOf.get(uid) as Plan;
      const status = run.status ?? {};
      const steps = (status.stepStatuses ?? []).map((s) => [s.name, s.state, s.exitCode]);
      if (plan.hang && !podsOf.has(uid)) {
        // Created again under a name whose predecessor's Pod the garbage collector had not yet
        // removed, and held past its 2 s timeout waiting for it: no Pod was ever created.
        expect(status, name).toMatchObject({
          phase: 'Failed',
          reason: 'TimedOut',
          message: expect.stringMatching(/^the run did not start within its timeout of 2s: /),
        });
        expect(status.podName, name).toBeUndefined();
        continue;
      }
      expect(podsOf.get(uid), `Pods of ${name}`).toHaveLength(1);
      expect(status.podName, name).toBe(podsOf.get(uid)?.[0]?.name);
      if (plan.hang) {
        expect(status, name).toMatchObject({ phase: 'Failed', reason: 'TimedOut' });
      } else if (plan.fail) {
        expect(status, name).toMatchObject({ phase: 'Failed', reason: 'StepFailed' });
        expect(steps, name).toContainEqual([plan.fail.step, 'Failed', plan.fail.code]);
      } else {
        expect(status.phase, name).toBe('Succeeded');
        const names = plan.task === 'parallel' ? parallelSteps : sequentialSteps;
        expect(steps, name).toEqual(names.map((s) => [s, 'Succeeded', 0]));
      }
    }
    // The controller records no Events of its own; none about a run is there twice.
    const { items: events } = await admin.list<Reported>(resources.events, env.namespace);
    const aboutRuns = events
      .filter((e) => (e.involvedObject as { kind?: string }).kind === 'TaskRun')
      .map((e) => `${e.involvedObject.uid} ${e.reason} ${e.message} x${e.count ?? 1}`);
    expect(aboutRuns.filter((e, i) => aboutRuns.indexOf(e) !== i || !e.endsWith(' x1'))).toEqual(
      [],
    );
  }, 180_000);
});
