import { setTimeout as sleep } from 'node:timers/promises';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { seeded } from '../../../test/example-controller/crash-harness.js';
import type { NodeResult } from '../src/spec.js';
import { DistExecChurn, type Planned } from './crash-churn.js';
import { notedRuns, plannedScript, type Run } from './crash-harness.js';
import { crashKinds, type Kind } from './crash-kinds.js';
import { expectSettled, expectSummaryOfEntries, settledAgainstPlan } from './crash-settled.js';
import { isAlive, World } from './harness.js';

/** A command that outlasts any timeout. */
const hang: Run = { exitCode: 0, seconds: 600 };

const kinds = crashKinds(hang, 2);

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
 * attempts of the entry's generation that ran): every attempt up to the entry's ran, once and in
 * order, every one before the last failed as planned, the last is the entry's outcome, and a
 * failed last one used every attempt `retries` allows.
 *
 * So no attempt is `Lost`, last or earlier (an earlier one would be missing from `ran`): an
 * agent killed inside the supervisor's create leaves a shim that writes `never-started`, and the
 * next agent starts the task. The one way left to lose an attempt that never ran: an agent
 * killed after spawning a task's shim but before recording it, the next agent relaunching the
 * task before that first shim wrote its marker (which then keeps the new shim's out), and that
 * agent killed too before sending `go`. An agent relaunches a Pending task it recovers inside
 * `ProcessSupervisor.open`, before it logs `controller started`, and this campaign kills an
 * agent only after that line: it cannot happen here.
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
  expect(ran, label).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  for (const attempt of ran.slice(0, -1)) {
    expect(outcomeOf(runAt(runs, attempt)).phase, `${label}: attempt ${attempt}`).toBe('Failed');
  }
  const outcome = outcomeOf(runAt(runs, last));
  expect(entry, label).toMatchObject(outcome);
  if (outcome.phase === 'Failed') expect(last, label).toBe(kind.retries + 1);
  return `${outcome.phase} ${outcome.reason} ${outcome.exitCode}`;
}

/** One DistExec the campaign created; its command notes each run in `<runs>.<node>`. */
interface NotingPlan extends Planned {
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
  const script = (kind: Kind, runs: string, change: number) =>
    // A comment that a spec change changes, and nothing else.
    `# ${change}\n${plannedScript(world.path(runs), new Map(nodeNames.map((n, i) => [n, kind.runs[i] ?? []])))}`;
  const churn = new DistExecChurn<NotingPlan>(world, random, kinds, {
    created: (kind, _name, count) => {
      const runs = `runs-${count}`;
      return { shell: script(kind, runs, 0), plan: { runs } };
    },
    changed: (plan, changes) => script(plan.kind, plan.runs, changes),
  });

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
    for (let round = 0; round < rounds; round++) {
      await churn.arrive(round);
      const agents = await startAgents();
      const kills = agents.map(async (agent) => {
        await sleep(random() * 400);
        await agent.stop('SIGKILL');
      });
      await churn.meanwhile(round);
      await Promise.all(kills);
      // While they are down, commands run on and end.
      await churn.whileDown(round);
    }
    await startAgents();

    const settled = await vi.waitFor(
      () => expectSettled(world.admin, env.namespace, churn.current.values(), nodeNames),
      { timeout: 90_000, interval: 300 },
    );

    const outcomes = new Set<string>();
    for (const object of settled) {
      const { uid, plan, generation, results } = settledAgainstPlan(object, churn.plans);
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
      expectSummaryOfEntries(object, nodeNames, plan.name);
    }
    // Every command of every incarnation has ended: a deleted one's were stopped.
    for (const plan of churn.plans.values()) {
      for (const node of nodeNames) {
        const runs = notedRuns(world.lines(`${plan.runs}.${node}`));
        for (const run of runs) {
          const label = `${plan.name} (${plan.uid}${churn.deleted.has(plan.uid) ? ', deleted' : ''}) on ${node}: g${run.generation} a${run.attempt}`;
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
    expect(churn.deleted.size).toBeGreaterThan(0);
    expect(churn.changes).toBeGreaterThan(0);
  }, 240_000);
});
