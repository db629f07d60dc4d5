import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { ControllerProcess } from '../../../test/example-controller/controller-process.js';
import {
  kubeconfigDirectory,
  seeded,
  untilWorking,
} from '../../../test/example-controller/crash-harness.js';
import { parseNodeTarget } from '../src/jobs/node-job.js';
import type { NodeResult } from '../src/spec.js';
import { DistExecChurn, type Planned } from './crash-churn.js';
import { drivePods, type Run, type SeenJob, startJobMain, watchJobs } from './crash-harness.js';
import { crashKinds, expectedEnd } from './crash-kinds.js';
import { expectSettled, expectSummaryOfEntries, settledAgainstPlan } from './crash-settled.js';
import { jobModeIdentity, testNodeLabel, World } from './harness.js';

/** The execution namespace deploy/job-mode.yaml grants the controller. */
const executionNamespace = 'roundhouse-distexec-jobs';

/** A command that outlasts any timeout. */
const hang: Run = { exitCode: 0, seconds: 3600 };

// The deadline also bounds a planned success's whole path (Job, pod, the test's bind, KWOK, the
// Job controller): at 4 s a CI run under load saw a second attempt that exits 0 at once end
// DeadlineExceeded.
const kinds = crashKinds(hang, 10);

/**
 * The Job-per-node controller's main killed with SIGKILL 0-400 ms after it started working,
 * round after round, while DistExecs arrive, their node Jobs succeed, fail, are retried and time
 * out (their pods run and end whether or not it is up), specs change, and DistExecs are deleted
 * with it up or down and created again under the same name: in the end every node's entry is
 * what its attempts did, each attempt ran in one Job, and nothing of a deleted DistExec is left.
 */
describeWithControlPlane('the DistExec Job-mode controller killed again and again', () => {
  const env = useTestNamespace({ prefix: 'dx-crash' });
  const world = new World(env);
  // CRASH_SEED=<n> runs another schedule of kills; a failing one is run again with its seed.
  const random = seeded(Number(process.env.CRASH_SEED ?? 20_261_204));
  const driverDelay = seeded(4_122_026);
  const rounds = 10;
  const nodeNames: string[] = [];
  let dir: string;
  let controller: ControllerProcess | undefined;
  const stop = new AbortController();
  let jobs: { seen: SeenJob[]; errors: unknown[] };
  let pods: { errors: unknown[] };
  const churn = new DistExecChurn<Planned>(world, random, kinds, {
    created: (_kind, name, count) => ({ shell: `echo ${name} ${count}`, plan: {} }),
    changed: (plan, _changes, count) => `echo ${plan.name} changed ${count}`,
  });

  beforeAll(async () => {
    await world.setUp();
    // No room for any pod: the scheduler places none, the test binds each itself.
    for (const suffix of ['a', 'b']) {
      nodeNames.push(await world.createNode(suffix, {}, {}, { pods: '0' }));
    }
    const identity = await jobModeIdentity(world.admin, env);
    dir = kubeconfigDirectory(identity, 'roundhouse-dx-crash-');
    jobs = await watchJobs(world.admin, executionNamespace, stop.signal);
    pods = drivePods(world.admin, env.kubeConfig, executionNamespace, {
      jobs: jobs.seen,
      runOf: (owner, node, attempt) => {
        const plan = churn.plans.get(owner);
        if (!plan) return undefined;
        // An attempt past the plan ends at once with a code no plan uses, to be counted below.
        return (
          plan.kind.runs[nodeNames.indexOf(node)]?.[attempt - 1] ?? { exitCode: 99, seconds: 0 }
        );
      },
      delay: () => driverDelay() * 600,
      signal: stop.signal,
    });
  });

  afterAll(async () => {
    stop.abort();
    controller?.kill();
    await world.tearDown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const start = () =>
    startJobMain([
      `--kubeconfig=${join(dir, 'kubeconfig')}`,
      `--watch-namespace=${env.namespace}`,
      `--execution-namespace=${executionNamespace}`,
      '--image=registry.invalid/busybox:1',
      '--allowed-images=registry.invalid/*',
      '--job-resource-limits=none',
      `--job-tolerations=${testNodeLabel}=${world.id}:NoSchedule`,
      '--resync=1s',
      '--workers=4',
    ]);

  it('ends every node as its attempts did, one Job per attempt, nothing left of a deleted DistExec', async () => {
    const admin = world.admin;
    for (let round = 0; round < rounds; round++) {
      await churn.arrive(round);
      const running = start();
      controller = running;
      await untilWorking(running);
      await sleep(random() * 400);
      await churn.meanwhile(round, () => sleep(random() * 200));
      running.kill();
      await running.closed;
      // While it is down, pods are bound and end.
      await churn.whileDown(round);
    }
    controller = start();

    const settled = await vi.waitFor(
      async () => {
        const items = await expectSettled(admin, env.namespace, churn.current.values(), nodeNames);
        // Nothing of a deleted DistExec, nor of an older generation, is left running.
        const owners = new Map(jobs.seen.map((j) => [j.uid, j.owner]));
        const { items: left } = await admin.list<KubeObject>(resources.jobs, executionNamespace);
        for (const job of left) {
          const owner = owners.get(job.metadata?.uid as string);
          expect(churn.deleted.has(owner as string), `Job ${job.metadata?.name}`).toBe(false);
        }
        const { items: leftPods } = await admin.list<KubeObject>(
          resources.pods,
          executionNamespace,
        );
        for (const pod of leftPods) {
          const owner = owners.get(pod.metadata?.ownerReferences?.[0]?.uid as string);
          expect(churn.deleted.has(owner as string), `pod ${pod.metadata?.name}`).toBe(false);
        }
        return { items, left };
      },
      { timeout: 90_000, interval: 300 },
    );
    controller.kill();
    await controller.closed;
    stop.abort();

    expect(jobs.errors).toEqual([]);
    expect(pods.errors).toEqual([]);
    expectEndState(settled.items, settled.left, churn.deleted);
  }, 240_000);

  function expectEndState(
    settled: readonly KubeObject[],
    left: readonly KubeObject[],
    deleted: ReadonlySet<string>,
  ): void {
    /** Job uids ever created, by `<owner> <node> g<generation> a<attempt>`. */
    const byAttempt = new Map<string, string[]>();
    // The execution namespace is shared with every Job-mode file running beside this one (the
    // stall campaign, job-mode...): only Jobs of this file's namespace are this campaign's.
    const ours = jobs.seen.filter((job) => job.target.startsWith(`${env.namespace}/`));
    const parsed = ours.map((job) => {
      const plan = churn.plans.get(job.owner);
      const of = plan && parseNodeTarget(job.target, env.namespace, plan.name);
      expect(of, `Job ${job.name} (${job.target})`).toBeDefined();
      const { node, generation, attempt } = of as NonNullable<typeof of>;
      const key = `${job.owner} ${node} g${generation} a${attempt}`;
      byAttempt.set(key, [...(byAttempt.get(key) ?? []), job.uid]);
      return { ...job, node, generation, attempt };
    });
    // The watch saw the Jobs, so "one each" below counts something.
    expect(parsed.length).toBeGreaterThan(churn.plans.size);
    for (const [attempt, uids] of byAttempt) {
      expect(uids, `Jobs ever created for ${attempt}`).toHaveLength(1);
    }
    for (const job of parsed) {
      const kind = (churn.plans.get(job.owner) as Planned).kind;
      expect(job.attempt, `attempt of ${job.name}`).toBeLessThanOrEqual(kind.retries + 1);
    }

    const outcomes = new Set<string>();
    for (const object of settled) {
      const { uid, plan, generation, results } = settledAgainstPlan(object, churn.plans);
      for (const [index, node] of nodeNames.entries()) {
        const label = `${plan.name} (${uid}) g${generation} on ${node}`;
        const entry = results[node] as NodeResult;
        const end = expectedEnd(plan.kind, plan.kind.runs[index] as Run[], hang);
        outcomes.add(`${end.phase} ${end.reason ?? end.exitCode}`);
        expect(entry, label).toMatchObject(end);
        // Each attempt of this generation in a Job of its own, none more.
        const launched = parsed
          .filter((j) => j.owner === uid && j.node === node && j.generation === generation)
          .map((j) => j.attempt)
          .sort();
        expect(launched, `attempts launched for ${label}`).toEqual(
          Array.from({ length: end.attempts }, (_, i) => i + 1),
        );
      }
      expectSummaryOfEntries(object, nodeNames, plan.name);
      // Only this generation's Jobs stay; an older one's were deleted.
      for (const job of left) {
        const seen = parsed.find((j) => j.uid === job.metadata?.uid);
        if (seen?.owner === uid) expect(seen.generation, job.metadata?.name).toBe(generation);
      }
    }
    // The campaign reached what it is about: successes, exit codes, retries, timeouts, deletions.
    expect([...outcomes]).toEqual(
      expect.arrayContaining(['Succeeded Completed', 'Failed Timeout', 'Failed 4', 'Failed 5']),
    );
    expect(deleted.size).toBeGreaterThan(0);
    expect(settled.some((o) => (o.metadata?.generation as number) > 1)).toBe(true);
  }
});
