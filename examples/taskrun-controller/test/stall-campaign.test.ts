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
  type StallingProxy,
  seeded,
  stallingProxy,
  throughServer,
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
import { stall, stallSchedule, stallsFelt } from './stall-schedule.js';

const plans: readonly Plan[] = [
  { task: 'sequential' },
  { task: 'parallel', fail: { step: 'test', code: 4 } },
  { task: 'sequential', hang: true },
  { task: 'parallel' },
  { task: 'sequential', fail: { step: 'build', code: 3 } },
];

/**
 * The TaskRun controller's main, one process, reaching the API server through a proxy that
 * stalls at the points that matter (see `Point`, `Stall`) while runs arrive, their Pods end, runs
 * time out and are deleted; each stall then ends. Without `--leader-elect` (its default), so a
 * long stall runs into the client's own bounds (an answer's timeout, a connection's PING) rather
 * than the Lease's renew deadline, which ends every request first (the DistExec campaign runs
 * under election). What a user sees is what one controller on a healthy API server shows: every
 * run as its one Pod did, no Pod of a deleted or timed-out run left, no Event about a run twice,
 * and a controller that kept working and stops cleanly.
 */
describeWithControlPlane('the TaskRun controller on an API server that stalls', () => {
  const env = useTestNamespace({ prefix: 'taskrun-stall' });
  const random = seeded(Number(process.env.STALL_SEED ?? 20_261_207));
  const driverDelay = seeded(7_122_026);
  const perRound = 3;
  let dir: string;
  let proxy: StallingProxy;
  let controller: ControllerProcess | undefined;
  const stopWatch = new AbortController();
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
    proxy = stallingProxy(new URL(env.kubeConfig.getCurrentCluster()?.server as string));
    const reached = throughServer(env.kubeConfig, await proxy.listen());
    dir = kubeconfigDirectory(reached, 'roundhouse-taskrun-stall-');
    pods = await watchPods(admin, env.namespace, {
      planOf: (uid) => planOf.get(uid),
      delay: () => driverDelay() * 600,
      signal: stopWatch.signal,
    });
  });

  afterAll(async () => {
    stopWatch.abort();
    controller?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await proxy?.close();
  });

  it('ends every run as its one Pod did, leaves nothing behind, and keeps working throughout', async () => {
    const admin = new KubeClient(env.kubeConfig);
    const current = new Map<string, string>();
    const deleted = new Set<string>();
    let created = 0;
    controller = startTaskRunControllerProcess([
      `--kubeconfig=${join(dir, 'kubeconfig')}`,
      `--watch-namespace=${env.namespace}`,
      '--allowed-images=registry.invalid/*',
      '--workers=4',
      '--health-port=0',
    ]);
    const running = controller;
    await untilWorking(running);

    for (const [round, [point, kind]] of stallSchedule.entries()) {
      const uids: string[] = [];
      for (let i = 0; i < perRound; i++) {
        const name = `tr-${created}`;
        const plan = plans[created % plans.length] as Plan;
        created += 1;
        const run = await createTaskRun(admin, env.namespace, name, {
          taskRef: { name: plan.task },
          ...(plan.hang ? { timeout: '2s' } : {}),
        });
        const uid = run.metadata?.uid as string;
        planOf.set(uid, plan);
        current.set(name, uid);
        uids.push(uid);
      }
      if (point === 'create') {
        await sleep(random() * 200);
      } else {
        // The first of this round's Pods: its create was answered by the API server.
        await vi.waitFor(
          () =>
            expect([...pods.seen.values()].some((p) => uids.includes(p.owner ?? ''))).toBe(true),
          { timeout: 60_000, interval: 5 },
        );
        // Running: the driver ends Pods 0-600 ms after they run, now mostly within the stall.
        if (point === 'running') await sleep(300);
      }
      const stalled = stall(proxy, kind, random);
      if (point === 'recorded') {
        // Deleted while the controller cannot see it: its Pod is the garbage collector's.
        const names = [...current.keys()];
        const name = names[Math.floor(random() * names.length)] as string;
        deleted.add(current.get(name) as string);
        current.delete(name);
        await admin.delete(taskRuns, env.namespace, name);
      }
      await stalled;
      expect(running.child.exitCode, `controller exited after round ${round}`).toBeNull();
    }

    // Bounded by the controller's own timeouts once the API server answers again: a watch that
    // a long stall ended is restarted within the informer's backoff (at most 30 s), a request
    // within its 30 s timeout, and a hung run's deadline is long past.
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
      { timeout: 120_000, interval: 300 },
    );
    // The long stalls reached what they are about: the controller's watches ended under them.
    expect(
      running.lines.filter((l) => String(l.msg).startsWith('watch failed')).length,
    ).toBeGreaterThan(0);
    // Hung runs whose deadline passed before their Pod's create was answered.
    const notStarted = settled
      .filter((r) => planOf.get(r.metadata?.uid as string)?.hang && !r.status?.podName)
      .map((r) => r.metadata?.name);
    console.info({ felt: stallsFelt(running.lines), notStarted });
    expect(await running.stop()).toBe(0);
    stopWatch.abort();

    expect(pods.errors).toEqual([]);
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
      if (plan.hang) {
        // Its deadline (2 s) may pass before its Pod's create is answered: it is then failed
        // as not started, and a create that landed unanswered leaves a Pod it never named.
        expect(status, name).toMatchObject({ phase: 'Failed', reason: 'TimedOut' });
        if (status.podName) expect(status.podName, name).toBe(podsOf.get(uid)?.[0]?.name);
        continue;
      }
      expect(podsOf.get(uid), `Pods of ${name}`).toHaveLength(1);
      expect(status.podName, name).toBe(podsOf.get(uid)?.[0]?.name);
      if (plan.fail) {
        expect(status, name).toMatchObject({ phase: 'Failed', reason: 'StepFailed' });
        expect(steps, name).toContainEqual([plan.fail.step, 'Failed', plan.fail.code]);
      } else {
        expect(status.phase, name).toBe('Succeeded');
        const names = plan.task === 'parallel' ? parallelSteps : sequentialSteps;
        expect(steps, name).toEqual(names.map((s) => [s, 'Succeeded', 0]));
      }
    }
    const { items: events } = await admin.list<Reported>(resources.events, env.namespace);
    const aboutRuns = events
      .filter((e) => (e.involvedObject as { kind?: string }).kind === 'TaskRun')
      .map((e) => `${e.involvedObject.uid} ${e.reason} ${e.message} x${e.count ?? 1}`);
    expect(aboutRuns.filter((e, i) => aboutRuns.indexOf(e) !== i || !e.endsWith(' x1'))).toEqual(
      [],
    );
  }, 420_000);
});
