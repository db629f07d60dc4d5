import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { phaseOf } from '@roundhouse/controller';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import {
  describeWithControlPlane,
  podControls,
  useTestNamespace,
} from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { ControllerProcess } from '../../../test/example-controller/controller-process.js';
import {
  kubeconfigDirectory,
  type Reported,
  seeded,
  untilWorking,
} from '../../../test/example-controller/crash-harness.js';
import { cacheLabel, cacheNamespaceLabel } from '../src/cache.js';
import type { ActionEvent } from '../src/events.js';
import { ensureTaskActionCrd } from '../src/install.js';
import { taskActions } from '../src/resource.js';
import { type TaskActionView, taskActionView } from '../src/spec.js';
import {
  finishRunningPods,
  liveJobs,
  type Sightings,
  startTaskActionMain,
  watchCampaign,
} from './crash-harness.js';
import { taskAction } from './harness.js';

/** One TaskAction the campaign created: what each attempt's container will exit with. */
interface Planned {
  readonly name: string;
  readonly uid: string;
  /** By attempt, from the first; as many as the action has (`retries + 1`). */
  readonly exitCodes: readonly number[];
  readonly cacheKey?: string;
}

/** The attempt a plan ends at (its first success, else its last) and that attempt's phase. */
function expectedEnd(plan: Planned): { attempts: number; phase: string } {
  const success = plan.exitCodes.indexOf(0);
  const attempts = success < 0 ? plan.exitCodes.length : success + 1;
  return { attempts, phase: success < 0 ? 'PermanentFailure' : 'Completed' };
}

const terminal = ['Completed', 'PermanentFailure'];

/**
 * The TaskAction controller's main killed with SIGKILL at random points while actions arrive,
 * run, finish (their Jobs too while it is down), share cache keys (a serialized holder and its
 * waiter; a plain key reused across rounds), are deleted with it up or down and are created
 * again under the same name: whatever a kill interrupts, each action ends as one
 * uninterrupted controller would have ended it, with at most one Job, nothing reported twice
 * and no reservation left held.
 */
describeWithControlPlane('the TaskAction controller killed again and again', () => {
  const env = useTestNamespace({ prefix: 'ta-campaign' });
  const random = seeded(20_261_204);
  const rounds = 10;
  let dir: string;
  let executionNamespace: string;
  let controller: ControllerProcess | undefined;
  const stopWatches = new AbortController();
  let seen: Sightings;

  beforeAll(async () => {
    const admin = new KubeClient(env.kubeConfig);
    await ensureTaskActionCrd(admin);
    executionNamespace = await env.controlPlane.createNamespace('ta-campaign-exec');
    dir = kubeconfigDirectory(env.kubeConfig, 'roundhouse-ta-crash-');
    seen = await watchCampaign(admin, env.namespace, executionNamespace, stopWatches.signal);
  });

  afterAll(() => {
    stopWatches.abort();
    controller?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const start = () =>
    startTaskActionMain(dir, [
      `--watch-namespace=${env.namespace}`,
      `--execution-namespace=${executionNamespace}`,
      '--allowed-images=registry.invalid/*',
      '--workers=4',
      // KWOK ends a Job's pod at once unless told otherwise: these run until the test ends them.
      `--pod-annotations=${podControls.runSeconds}=3600`,
      // The reservation's heartbeat (a lease lasts three: 30 s) and a waiter's look again: the
      // default, so a holder's reservation outlasts the rounds the controller is down.
      '--requeue-duration=10s',
    ]);

  it('ends every action as one uninterrupted controller would, one Job each, deletions cleaned up', async () => {
    const admin = new KubeClient(env.kubeConfig);
    const plans = new Map<string, Planned>();
    /** The uid each name holds now. */
    const current = new Map<string, string>();
    const deleted = new Set<string>();
    /** Names whose action was deleted, to be created again once the old one is gone. */
    const toRecreate = new Set<string>();

    const create = async (
      exitCodes: readonly number[],
      spec: Record<string, unknown> = {},
      name?: string,
    ) => {
      const retries = exitCodes.length - 1;
      const template = (spec.taskTemplate as object | undefined) ?? {
        image: 'registry.invalid/task:1',
      };
      const manifest = taskAction({ ...spec, taskTemplate: { ...template, retries } }, name);
      const object = await admin.create(taskActions, env.namespace, manifest);
      const uid = object.object.metadata?.uid as string;
      const cacheKey = spec.cacheKey as string | undefined;
      plans.set(uid, {
        name: manifest.metadata.name,
        uid,
        exitCodes,
        ...(cacheKey ? { cacheKey } : {}),
      });
      current.set(manifest.metadata.name, uid);
    };
    const remove = async (name: string) => {
      const uid = current.get(name);
      if (!uid) return;
      current.delete(name);
      deleted.add(uid);
      toRecreate.add(name);
      await admin.delete(taskActions, env.namespace, name);
    };
    const randomLive = () => {
      const names = [...current.keys()];
      return names[Math.floor(random() * names.length)];
    };
    const exitCodeOf = (uid: string, attemptName: string) => {
      const plan = plans.get(uid);
      if (!plan || deleted.has(uid)) return undefined;
      return plan.exitCodes[Number(attemptName.slice(plan.name.length + 1))];
    };
    const outcome = () => (random() < 0.7 ? 0 : 1);

    for (let round = 0; round < rounds; round++) {
      // Arrivals while the controller is down, so each start begins with a burst for the kill
      // to land in.
      await create([outcome()]);
      await create([outcome()]);
      // Its first attempt fails, so a second one follows: a relaunch for the kill to land in.
      await create([1, outcome()]);
      if (round % 2 === 0) {
        // A serialized pair: the second waits on the first's reservation.
        const serialized = {
          cacheKey: `serial-${round}`,
          taskTemplate: { image: 'registry.invalid/task:1', cacheSerializable: true },
        };
        await create([outcome()], serialized);
        await create([0], serialized);
      }
      // Each succeeds, so a later one whose launch finds an earlier one's entry is a hit; the
      // serialized pairs alone may end with none (a first that failed, a reservation that
      // lapsed across kills), and the campaign must reach one.
      if (round % 3 === 1) await create([0], { cacheKey: 'shared' });
      for (const name of toRecreate) {
        if (await admin.get(taskActions, env.namespace, name)) continue;
        toRecreate.delete(name);
        await create([0], {}, name);
        break;
      }

      const running = start();
      controller = running;
      await untilWorking(running);
      await sleep(random() * 400);
      if (round % 3 === 1) {
        const name = randomLive();
        if (name) await remove(name);
        await sleep(random() * 200);
      }
      running.kill();
      await running.closed;

      // While it is down: some running attempts end, and an action may be deleted.
      await finishRunningPods(admin, executionNamespace, exitCodeOf, () => random() < 0.6);
      if (round % 3 === 2) {
        const name = randomLive();
        if (name) await remove(name);
      }
    }
    controller = start();

    const settled = await vi.waitFor(
      async () => {
        await finishRunningPods(admin, executionNamespace, exitCodeOf);
        const { items } = await admin.list<KubeObject>(taskActions, env.namespace);
        const views = items.map((o) => ({ ...o, ...taskActionView(o) }));
        for (const action of views) {
          expect(action.metadata?.deletionTimestamp, action.metadata?.name).toBeUndefined();
          expect(terminal, action.metadata?.name).toContain(phaseOf(action.status));
          expect(action.metadata?.labels?.['roundhouse.dev/termination-status']).toBe('terminated');
        }
        expect(views.map((v) => v.metadata.uid).sort()).toEqual([...current.values()].sort());
        // Every action ended or was deleted: no reservation may be left held.
        const { items: leases } = await admin.list(resources.leases, executionNamespace, {
          labelSelector: `${cacheLabel}=reservation,${cacheNamespaceLabel}=${env.namespace}`,
        });
        expect(leases.map((l) => l.metadata?.name)).toEqual([]);
        return views;
      },
      { timeout: 120_000, interval: 500 },
    );
    controller.kill();
    await controller.closed;

    await expectEndState(admin, settled, plans, deleted);
  }, 300_000);

  async function expectEndState(
    admin: KubeClient,
    settled: readonly (KubeObject & TaskActionView)[],
    plans: ReadonlyMap<string, Planned>,
    deleted: ReadonlySet<string>,
  ): Promise<void> {
    const events = readFileSync(join(dir, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as ActionEvent);
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size, 'event ids recorded twice').toBe(ids.length);
    const eventsOf = (uid: string) => events.filter((e) => e.uid === uid);
    const { items: entries } = await admin.list<KubeObject & { data?: Record<string, string> }>(
      resources.configMaps,
      executionNamespace,
      { labelSelector: `${cacheLabel}=entry,${cacheNamespaceLabel}=${env.namespace}` },
    );
    const entryOf = (key: string) => entries.find((e) => e.data?.cacheKey === key);

    // The campaign reached what it is about: successes, failures and reused results.
    const phases = settled.map((a) => phaseOf(a.status));
    expect(phases).toContain('Completed');
    expect(phases).toContain('PermanentFailure');
    expect(settled.map((a) => a.status.cacheStatus)).toContain('CACHE_HIT');
    // The watch saw the Jobs, so "at most one each" below counts something.
    expect(seen.jobsByAttempt.size).toBeGreaterThan(plans.size / 2);
    for (const [attempt, jobs] of seen.jobsByAttempt) {
      expect(jobs.size, `Jobs ever created for ${attempt}`).toBe(1);
    }
    const launched = (uid: string) =>
      [...seen.jobsByAttempt.keys()].filter((key) => key.startsWith(`${uid} `)).length;

    for (const action of settled) {
      const uid = action.metadata.uid as string;
      const plan = plans.get(uid) as Planned;
      // A failure names what the sink heard of the action, to tell where a kill landed.
      const history = eventsOf(uid).map((e) => `${e.phase}: ${e.message}`);
      const label = `${plan.name} (${uid}) ${JSON.stringify(history)}`;
      const phase = phaseOf(action.status);
      const ends = eventsOf(uid).filter((e) =>
        ['Completed', 'PermanentFailure', 'Aborted'].includes(e.phase),
      );
      expect(
        ends.map((e) => e.phase),
        label,
      ).toEqual([phase]);
      const initializing = eventsOf(uid).filter((e) => e.phase === 'Initializing');
      expect(new Set(initializing.map((e) => e.attempt)).size, label).toBe(initializing.length);
      if (action.status.cacheStatus === 'CACHE_HIT') {
        // The cached result it reused: the entry's, launching nothing.
        expect(phase, label).toBe('Completed');
        expect(launched(uid), `Jobs of the cache hit ${label}`).toBe(0);
        const entry = entryOf(plan.cacheKey as string);
        expect(ends[0]?.outputs?.outputUri, label).toBe(entry?.data?.outputUri);
        continue;
      }
      const end = expectedEnd(plan);
      expect(launched(uid), `Jobs of ${label}`).toBe(end.attempts);
      expect(action.status.attempts, label).toBe(end.attempts);
      expect(phase, label).toBe(end.phase);
      if (plan.cacheKey && phase === 'Completed') {
        expect(action.status.cacheStatus, label).toBe('CACHE_POPULATED');
        expect(entryOf(plan.cacheKey), label).toBeDefined();
      }
    }

    const jobs = await liveJobs(admin, executionNamespace);
    for (const uid of deleted) {
      const label = `deleted ${plans.get(uid)?.name} (${uid})`;
      expect(
        jobs.filter((j) => j.owner === uid && !j.job.metadata?.deletionTimestamp).length,
        label,
      ).toBe(0);
      expect(eventsOf(uid).filter((e) => e.phase === 'Aborted').length, label).toBeLessThanOrEqual(
        1,
      );
    }

    // Each entry written once, by an action whose Job succeeded, and never replaced.
    for (const [name, added] of seen.entriesAdded) expect(added, `entry ${name}`).toBe(1);
    expect(seen.entriesDeleted).toBe(0);
    for (const entry of entries) {
      const by = plans.get(entry.data?.populatedByUid as string);
      expect(by && expectedEnd(by).phase, `entry ${entry.data?.cacheKey}`).toBe('Completed');
      expect(launched(by?.uid as string), `entry ${entry.data?.cacheKey}`).toBeGreaterThan(0);
    }

    // However often a kill interrupted it, no Event was reported twice.
    const { items: reported } = await admin.list<Reported>(resources.events, env.namespace);
    const keys = reported.map((e) => `${e.involvedObject.uid} ${e.reason}`);
    expect(new Set(keys).size, keys.join('\n')).toBe(keys.length);
    for (const e of reported) expect(e.count ?? 1, `${e.reason} ${e.message}`).toBe(1);
  }
});
