import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { seeded } from '../../../test/example-controller/crash-harness.js';
import { distExecs } from '../src/resource.js';
import { type NodeResult, resultsOf, type Summary } from '../src/spec.js';
import { notedRuns, plannedScript, type Run } from './crash-harness.js';
import { isAlive, World } from './harness.js';

/** A command that outlasts any timeout. */
const hang: Run = { exitCode: 0, seconds: 600 };

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
    timeoutSeconds: 2,
    runs: [
      [hang, { exitCode: 0, seconds: 0 }],
      [hang, hang],
    ],
  },
  { retries: 0, runs: [[{ exitCode: 0, seconds: 2 }], [{ exitCode: 7, seconds: 1.5 }]] },
];

/** What attempt `attempt` does: as planned, else (past the plan) exit 99 at once. */
function runAt(runs: readonly Run[], attempt: number): Run {
  return runs[attempt - 1] ?? { exitCode: 99, seconds: 0 };
}

/** The entry of a node whose last attempt ran as `run`. */
function outcomeOf(run: Run) {
  if (run === hang) return { phase: 'Failed', reason: 'Timeout', exitCode: 137 };
  return run.exitCode === 0
    ? { phase: 'Succeeded', reason: 'Completed', exitCode: 0 }
    : { phase: 'Failed', reason: 'Failed', exitCode: run.exitCode };
}

/**
 * Checks a node's entry against what its attempts did, as the command noted them (`ran`: the
 * attempts of the entry's generation that ran): each ran once and in order, every one before
 * the last failed (as planned, or `Lost`: an agent killed inside the supervisor's create can
 * leave a task that never started, whose outcome the next agent cannot know), the last is the
 * entry's outcome, and a failed last one used every attempt `retries` allows.
 */
function expectAttemptsAsPlanned(
  entry: NodeResult | undefined,
  kind: Kind,
  runs: readonly Run[],
  ran: readonly number[],
  label: string,
): string {
  const last = entry?.attempts ?? 0;
  expect(last, label).toBeGreaterThanOrEqual(1);
  expect(last, label).toBeLessThanOrEqual(kind.retries + 1);
  expect(ran, label).toEqual([...new Set(ran)].sort((a, b) => a - b));
  expect(Math.max(0, ...ran), label).toBeLessThanOrEqual(last);
  for (const attempt of ran.filter((a) => a < last)) {
    expect(outcomeOf(runAt(runs, attempt)).phase, `${label}: attempt ${attempt}`).toBe('Failed');
  }
  if (entry?.reason === 'Lost') {
    expect(ran, label).not.toContain(last);
    return 'Failed Lost';
  }
  expect(ran, label).toContain(last);
  const outcome = outcomeOf(runAt(runs, last));
  expect(entry, label).toMatchObject(outcome);
  if (outcome.phase === 'Failed') expect(last, label).toBe(kind.retries + 1);
  return `${outcome.phase} ${outcome.reason} ${outcome.exitCode}`;
}

/** One DistExec the campaign created; its command notes each run in `<runs>.<node>`. */
interface Planned {
  readonly name: string;
  readonly uid: string;
  readonly kind: Kind;
  readonly runs: string;
}

/**
 * Every node agent SIGKILLed at its own random point 0-400 ms after it started working, round
 * after round, while DistExecs arrive, their commands run (on under their shims while the agent
 * is down), fail, are retried and time out, specs change, and DistExecs are deleted with the
 * agents up or down and created again under the same name; each agent comes back on its data
 * directory. In the end every node's entry is what its attempts did, no attempt ran twice (as
 * the commands themselves noted), and no command of a deleted DistExec runs.
 */
describeWithControlPlane('DistExec node agents killed again and again', () => {
  const env = useTestNamespace({ prefix: 'dx-agent-crash' });
  const world = new World(env);
  // CRASH_SEED=<n> runs another schedule of kills; a failing one is run again with its seed.
  const random = seeded(Number(process.env.CRASH_SEED ?? 20_261_204));
  const rounds = 7;
  const nodeNames: string[] = [];
  /** Each node's data directory, which every agent of that node starts on. */
  const dataDirs = new Map<string, string>();
  const plans = new Map<string, Planned>();

  beforeAll(async () => {
    await world.setUp();
    for (const suffix of ['a', 'b']) nodeNames.push(await world.createNode(suffix));
  });

  afterAll(() => world.tearDown());

  const startAgents = () =>
    Promise.all(
      nodeNames.map(async (node) => {
        const agent = await world.startAgent(node, dataDirs.get(node));
        dataDirs.set(node, agent.dataDir);
        return agent;
      }),
    );

  it('ends every node as its attempts did, each attempt run once, no command of a deleted DistExec left', async () => {
    const admin = world.admin;
    const current = new Map<string, string>();
    const deleted = new Set<string>();
    const toRecreate = new Set<string>();
    let created = 0;

    const script = (kind: Kind, runs: string, change: number) =>
      // A comment that a spec change changes, and nothing else.
      `# ${change}\n${plannedScript(world.path(runs), new Map(nodeNames.map((n, i) => [n, kind.runs[i] ?? []])))}`;
    const create = async (kind: Kind, name = `dx-${created}`) => {
      created += 1;
      const runs = `runs-${created}`;
      const object = await world.createDistExec(name, {
        shell: script(kind, runs, 0),
        retries: kind.retries,
        ...(kind.timeoutSeconds ? { timeoutSeconds: kind.timeoutSeconds } : {}),
      });
      const uid = object.metadata?.uid as string;
      plans.set(uid, { name, uid, kind, runs });
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
    let changes = 0;
    const changeSpec = async (name: string) => {
      const plan = plans.get(current.get(name) as string) as Planned;
      changes += 1;
      await admin.patch(
        distExecs,
        env.namespace,
        name,
        { spec: { shell: script(plan.kind, plan.runs, changes) } },
        { strategy: 'merge' },
      );
    };

    for (let round = 0; round < rounds; round++) {
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

      const agents = await startAgents();
      const kills = agents.map(async (agent) => {
        await sleep(random() * 400);
        await agent.stop('SIGKILL');
      });
      if (round % 3 === 1) {
        const name = randomLive(true);
        if (name) await remove(name);
      }
      if (round % 4 === 3) {
        const name = randomLive();
        if (name) await changeSpec(name);
      }
      await Promise.all(kills);

      // While they are down: commands run on and end, and a DistExec may be deleted.
      if (round % 3 === 2) {
        const name = randomLive(true);
        if (name) await remove(name);
      }
      await sleep(random() * 300);
    }
    await startAgents();

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
        return items;
      },
      { timeout: 90_000, interval: 300 },
    );

    const outcomes = new Set<string>();
    for (const object of settled) {
      const uid = object.metadata?.uid as string;
      const plan = plans.get(uid) as Planned;
      const generation = object.metadata?.generation as number;
      const results = resultsOf(object.status);
      for (const [index, node] of nodeNames.entries()) {
        const runs = notedRuns(world.lines(`${plan.runs}.${node}`));
        const label = `${plan.name} (${uid}) g${generation} on ${node}, ${JSON.stringify({ entry: results[node], runs })}`;
        const ran = runs.filter((r) => r.generation === generation).map((r) => r.attempt);
        outcomes.add(
          expectAttemptsAsPlanned(
            results[node],
            plan.kind,
            plan.kind.runs[index] as Run[],
            ran,
            label,
          ),
        );
        // No attempt of any generation ran twice.
        const attempts = runs.map((r) => `g${r.generation} a${r.attempt}`);
        expect(new Set(attempts).size, `runs of ${label}: ${attempts}`).toBe(attempts.length);
      }
      const summary = (object.status as { summary?: Summary }).summary;
      const phases = Object.values(results).map((r) => r.phase);
      expect(summary, plan.name).toEqual({
        nodes: nodeNames.length,
        succeeded: phases.filter((p) => p === 'Succeeded').length,
        failed: phases.filter((p) => p === 'Failed').length,
        pending: 0,
      });
    }
    // Every command of every incarnation has ended: a deleted one's were stopped.
    for (const plan of plans.values()) {
      for (const node of nodeNames) {
        const runs = notedRuns(world.lines(`${plan.runs}.${node}`));
        for (const run of runs) {
          const label = `${plan.name} (${plan.uid}${deleted.has(plan.uid) ? ', deleted' : ''}) on ${node}: g${run.generation} a${run.attempt}`;
          expect(run.attempt, label).toBeLessThanOrEqual(plan.kind.retries + 1);
          expect(isAlive(run.pid), label).toBe(false);
        }
      }
    }
    expect([...outcomes]).toEqual(
      expect.arrayContaining([
        'Succeeded Completed 0',
        'Failed Timeout 137',
        'Failed Failed 4',
        'Failed Failed 5',
      ]),
    );
    expect(deleted.size).toBeGreaterThan(0);
    expect(changes).toBeGreaterThan(0);
  }, 240_000);
});
