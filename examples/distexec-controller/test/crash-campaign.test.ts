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
import { distExecs } from '../src/resource.js';
import { type NodeResult, resultsOf, type Summary } from '../src/spec.js';
import { drivePods, type Run, type SeenJob, startJobMain, watchJobs } from './crash-harness.js';
import { jobModeIdentity, testNodeLabel, World } from './harness.js';

/** The execution namespace deploy/job-mode.yaml grants the controller. */
const executionNamespace = 'roundhouse-distexec-jobs';

/** A command that outlasts any timeout. */
const hang: Run = { exitCode: 0, seconds: 3600 };

/** What a DistExec's command does on each node (by the node's index), attempt after attempt. */
interface Kind {
  readonly retries: number;
  readonly timeoutSeconds?: number;
  readonly runs: readonly (readonly Run[])[];
}

const kinds: readonly Kind[] = [
  { retries: 0, runs: [[{ exitCode: 0, seconds: 0.3 }], [{ exitCode: 0, seconds: 1 }]] },
  {
    retries: 1,
    runs: [
      [
        { exitCode: 3, seconds: 0 },
        { exitCode: 4, seconds: 0.5 },
      ],
      [{ exitCode: 0, seconds: 0.2 }],
    ],
  },
  {
    retries: 2,
    runs: [
      [
        { exitCode: 1, seconds: 0.2 },
        { exitCode: 0, seconds: 0 },
      ],
      [
        { exitCode: 2, seconds: 0 },
        { exitCode: 2, seconds: 0 },
        { exitCode: 5, seconds: 0.3 },
      ],
    ],
  },
  // Timed out, then done at once; and timed out twice.
  {
    retries: 1,
    timeoutSeconds: 4,
    runs: [
      [hang, { exitCode: 0, seconds: 0 }],
      [hang, hang],
    ],
  },
  { retries: 0, runs: [[{ exitCode: 0, seconds: 2 }], [{ exitCode: 7, seconds: 1.5 }]] },
];

/** How a node's entry ends when its attempts run as `runs` says, `retries + 1` at most. */
function expectedEnd(kind: Kind, runs: readonly Run[]) {
  const last = kind.retries + 1;
  const success = runs.findIndex((r) => r.exitCode === 0 && r !== hang);
  if (success >= 0 && success < last) {
    return { phase: 'Succeeded', attempts: success + 1, reason: 'Completed', exitCode: 0 };
  }
  const run = runs[last - 1] as Run;
  return run === hang
    ? { phase: 'Failed', attempts: last, reason: 'Timeout' }
    : { phase: 'Failed', attempts: last, exitCode: run.exitCode };
}

/** One DistExec the campaign created. */
interface Planned {
  readonly name: string;
  readonly uid: string;
  readonly kind: Kind;
}

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
  const plans = new Map<string, Planned>();

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
        const plan = plans.get(owner);
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
    /** The uid each name holds now. */
    const current = new Map<string, string>();
    const deleted = new Set<string>();
    const toRecreate = new Set<string>();
    let created = 0;

    const create = async (kind: Kind, name = `dx-${created}`) => {
      created += 1;
      const object = await world.createDistExec(name, {
        shell: `echo ${name} ${created}`,
        retries: kind.retries,
        ...(kind.timeoutSeconds ? { timeoutSeconds: kind.timeoutSeconds } : {}),
      });
      const uid = object.metadata?.uid as string;
      plans.set(uid, { name, uid, kind });
      current.set(name, uid);
      return name;
    };
    const remove = async (name: string) => {
      const uid = current.get(name);
      if (!uid) return;
      current.delete(name);
      deleted.add(uid);
      toRecreate.add(name);
      await admin.delete(distExecs, env.namespace, name);
    };
    /** One DistExec of each kind, never deleted, so every kind is there at the end. */
    const kept = new Set<string>();
    const randomLive = (deletable = false) => {
      const names = [...current.keys()].filter((n) => !(deletable && kept.has(n)));
      return names[Math.floor(random() * names.length)];
    };
    const changeSpec = async (name: string) => {
      await admin.patch(
        distExecs,
        env.namespace,
        name,
        { spec: { shell: `echo ${name} changed ${created}` } },
        { strategy: 'merge' },
      );
    };

    for (let round = 0; round < rounds; round++) {
      // Arrivals while the controller is down, so each start begins with a burst of Job
      // creates for the kill to land in.
      const first = await create(kinds[round % kinds.length] as Kind);
      if (round < kinds.length) kept.add(first);
      await create(kinds[Math.floor(random() * kinds.length)] as Kind);
      for (const name of toRecreate) {
        if (await world.read(name)) continue;
        toRecreate.delete(name);
        await create(kinds[Math.floor(random() * kinds.length)] as Kind, name);
        break;
      }
      if (round % 4 === 2) {
        const name = randomLive();
        if (name) await changeSpec(name);
      }

      const running = start();
      controller = running;
      await untilWorking(running);
      await sleep(random() * 400);
      if (round % 3 === 1) {
        const name = randomLive(true);
        if (name) await remove(name);
        await sleep(random() * 200);
      }
      if (round % 4 === 3) {
        const name = randomLive();
        if (name) await changeSpec(name);
      }
      running.kill();
      await running.closed;

      // While it is down: pods are bound and end, and a DistExec may be deleted.
      if (round % 3 === 2) {
        const name = randomLive(true);
        if (name) await remove(name);
      }
      await sleep(random() * 300);
    }
    controller = start();

    const settled = await vi.waitFor(
      async () => {
        const { items } = await admin.list<KubeObject>(distExecs, env.namespace);
        expect(items.map((o) => o.metadata?.uid).sort()).toEqual([...current.values()].sort());
        for (const object of items) {
          const results = resultsOf(object.status);
          const label = `${object.metadata?.name} ${JSON.stringify(results)}`;
          expect(object.metadata?.deletionTimestamp, label).toBeUndefined();
          expect(Object.keys(results).sort(), label).toEqual([...nodeNames].sort());
          for (const entry of Object.values(results)) {
            expect(entry.observedGeneration, label).toBe(object.metadata?.generation);
            expect(['Succeeded', 'Failed'], label).toContain(entry.phase);
          }
          expect(object.metadata?.finalizers ?? [], label).toEqual([]);
        }
        // Nothing of a deleted DistExec, nor of an older generation, is left running.
        const owners = new Map(jobs.seen.map((j) => [j.uid, j.owner]));
        const { items: left } = await admin.list<KubeObject>(resources.jobs, executionNamespace);
        for (const job of left) {
          const owner = owners.get(job.metadata?.uid as string);
          expect(deleted.has(owner as string), `Job ${job.metadata?.name}`).toBe(false);
        }
        const { items: leftPods } = await admin.list<KubeObject>(
          resources.pods,
          executionNamespace,
        );
        for (const pod of leftPods) {
          const owner = owners.get(pod.metadata?.ownerReferences?.[0]?.uid as string);
          expect(deleted.has(owner as string), `pod ${pod.metadata?.name}`).toBe(false);
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
    expectEndState(settled.items, settled.left, deleted);
  }, 240_000);

  function expectEndState(
    settled: readonly KubeObject[],
    left: readonly KubeObject[],
    deleted: ReadonlySet<string>,
  ): void {
    /** Job uids ever created, by `<owner> <node> g<generation> a<attempt>`. */
    const byAttempt = new Map<string, string[]>();
    const parsed = jobs.seen.map((job) => {
      const plan = plans.get(job.owner);
      const of = plan && parseNodeTarget(job.target, env.namespace, plan.name);
      expect(of, `Job ${job.name} (${job.target})`).toBeDefined();
      const { node, generation, attempt } = of as NonNullable<typeof of>;
      const key = `${job.owner} ${node} g${generation} a${attempt}`;
      byAttempt.set(key, [...(byAttempt.get(key) ?? []), job.uid]);
      return { ...job, node, generation, attempt };
    });
    // The watch saw the Jobs, so "one each" below counts something.
    expect(parsed.length).toBeGreaterThan(plans.size);
    for (const [attempt, uids] of byAttempt) {
      expect(uids, `Jobs ever created for ${attempt}`).toHaveLength(1);
    }
    for (const job of parsed) {
      const kind = (plans.get(job.owner) as Planned).kind;
      expect(job.attempt, `attempt of ${job.name}`).toBeLessThanOrEqual(kind.retries + 1);
    }

    const outcomes = new Set<string>();
    for (const object of settled) {
      const uid = object.metadata?.uid as string;
      const plan = plans.get(uid) as Planned;
      const generation = object.metadata?.generation as number;
      const results = resultsOf(object.status);
      for (const [index, node] of nodeNames.entries()) {
        const label = `${plan.name} (${uid}) g${generation} on ${node}`;
        const entry = results[node] as NodeResult;
        const end = expectedEnd(plan.kind, plan.kind.runs[index] as Run[]);
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
      const summary = (object.status as { summary?: Summary }).summary;
      const phases = Object.values(results).map((r) => r.phase);
      expect(summary, plan.name).toEqual({
        nodes: nodeNames.length,
        succeeded: phases.filter((p) => p === 'Succeeded').length,
        failed: phases.filter((p) => p === 'Failed').length,
        pending: 0,
      });
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
