/**
 * The job campaigns' executions (the job crash campaign and the stall campaign): what they
 * apply round by round, delete, wait to settle, and the "at most one Job ever per target" check,
 * counted from the API server's own announcements of Jobs.
 */
import { executionResourceName } from '@roundhouse/core';
import { type KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { beforeAll, expect, vi } from 'vitest';
import type { Campaign, Phased } from './crash-harness.js';

/**
 * Every Job uid the API server announces in `namespace` from now until `signal` aborts, by Job
 * name: "at most one Job ever per target" is counted from it.
 */
async function watchJobUids(
  client: KubeClient,
  namespace: string,
  signal: AbortSignal,
): Promise<Map<string, Set<string>>> {
  const uids = new Map<string, Set<string>>();
  const { resourceVersion } = await client.list(resources.jobs, namespace);
  void client.watch<KubeObject>(
    resources.jobs,
    namespace,
    ({ type, object }) => {
      const name = object.metadata?.name;
      const uid = object.metadata?.uid;
      if (type !== 'ADDED' || !name || !uid) return;
      uids.set(name, (uids.get(name) ?? new Set()).add(uid));
    },
    { resourceVersion, signal, stallTimeoutMs: 600_000 },
  );
  return uids;
}

/** What a job campaign's executions run: the same for all of them. */
export interface WorkflowRef {
  readonly workflowId: string;
  readonly version: string;
  readonly executionBundle: string;
}

/**
 * The job campaigns' executions, applied in the campaign's test namespace: in each round
 * `perRound` of their own, `wfe-<t>` on target t, and every third round a pair more on one
 * target, `wfe-<t>-a` and `-b`, the pairs' targets numbered after the `distinct` single ones.
 */
export class JobExecutions {
  readonly distinct: number;
  readonly pairs: number;
  readonly #campaign: Campaign;
  readonly #workflowRef: WorkflowRef;
  readonly #perRound: number;
  #pair = 0;
  /** Every execution applied, deleted ones too. */
  readonly #names: string[] = [];
  readonly #deleted = new Set<string>();
  /** Every Job uid the API server announced since watchJobs, by Job name. */
  #jobUids: ReadonlyMap<string, ReadonlySet<string>> = new Map();

  constructor(
    campaign: Campaign,
    workflowRef: WorkflowRef,
    plan: { readonly rounds: number; readonly perRound: number },
  ) {
    this.#campaign = campaign;
    this.#workflowRef = workflowRef;
    this.#perRound = plan.perRound;
    this.distinct = plan.rounds * plan.perRound;
    this.pairs = Math.floor(plan.rounds / 3);
  }

  /** Counts every Job created from now on, for expectOneJobPerTarget. */
  async watchJobs(): Promise<void> {
    const { admin, executionNamespace, signal } = this.#campaign;
    this.#jobUids = await watchJobUids(admin, executionNamespace, signal);
  }

  /** The executions removed so far. */
  get deleted(): ReadonlySet<string> {
    return this.#deleted;
  }

  /** The round's executions, each created before it resolves. */
  async arrive(round: number): Promise<void> {
    for (let i = 0; i < this.#perRound; i++) {
      const t = round * this.#perRound + i;
      await this.#create(t, [`wfe-${t}`]);
    }
    if (round % 3 === 2) {
      const t = this.distinct + this.#pair++;
      await this.#create(t, [`wfe-${t}-a`, `wfe-${t}-b`]);
    }
  }

  async remove(name: string): Promise<void> {
    this.#deleted.add(name);
    await this.#campaign.admin.delete(workflowExecutions, this.#campaign.env.namespace, name);
  }

  /**
   * The executions once every one left is settled: none being deleted, each in one of its
   * `phases` (a single one's or a pair's), and one of each pair Completed.
   */
  settled(
    phases: { readonly single: readonly string[]; readonly paired: readonly string[] },
    timeout: number,
  ): Promise<Phased[]> {
    const { admin, env } = this.#campaign;
    return vi.waitFor(
      async () => {
        const { items } = await admin.list<Phased>(workflowExecutions, env.namespace);
        for (const wfe of items) {
          expect(wfe.metadata?.deletionTimestamp, wfe.metadata?.name).toBeUndefined();
          const single = /^wfe-\d+$/.test(wfe.metadata?.name ?? '');
          expect(single ? phases.single : phases.paired, wfe.metadata?.name).toContain(
            wfe.status?.phase,
          );
        }
        const paired = items.filter((w) => !w.metadata?.name?.match(/^wfe-\d+$/));
        expect(items.length).toBe(this.#names.length - this.#deleted.size);
        expect(paired.filter((w) => w.status?.phase === 'Completed')).toHaveLength(this.pairs);
        return items;
      },
      { timeout, interval: 500 },
    );
  }

  /**
   * The end state: at most one Job ever per target, none left of a deleted execution, and each
   * target's one Completed execution (of a pair, `wfe-<t>-a` or `-b`) holding its Job.
   */
  async expectOneJobPerTarget(settled: readonly Phased[]): Promise<void> {
    const { deleted, distinct, pairs } = this;
    const byName = new Map(settled.map((w) => [w.metadata?.name as string, w]));
    for (const name of deleted) expect(byName.has(name), name).toBe(false);
    const { admin, executionNamespace } = this.#campaign;
    const { items: jobs } = await admin.list<KubeObject>(resources.jobs, executionNamespace);
    const live = new Set(jobs.map((j) => j.metadata?.name));
    // The watch saw the Jobs, so "at most one each" below counts something.
    expect(this.#jobUids.size).toBeGreaterThanOrEqual(distinct - deleted.size);
    for (let t = 0; t < distinct + pairs; t++) {
      const job = executionResourceName(this.#target(t));
      const everCreated = this.#jobUids.get(job)?.size ?? 0;
      expect(everCreated, `Jobs ever created for target ${t}`).toBeLessThanOrEqual(1);
      if (deleted.has(`wfe-${t}`)) {
        expect(live.has(job), `Job of deleted wfe-${t}`).toBe(false);
        continue;
      }
      const owners = t < distinct ? [`wfe-${t}`] : [`wfe-${t}-a`, `wfe-${t}-b`];
      const completed = owners.filter((n) => byName.get(n)?.status?.phase === 'Completed');
      expect(completed, `target ${t}`).toHaveLength(1);
      expect(byName.get(completed[0] as string)?.status?.executionRef?.name).toBe(job);
      expect(live.has(job), `Job of target ${t}`).toBe(true);
    }
  }

  async #create(t: number, batch: readonly string[]): Promise<void> {
    const { admin, env } = this.#campaign;
    await Promise.all(
      batch.map((name) =>
        admin.create(workflowExecutions, env.namespace, {
          metadata: { name },
          spec: {
            workflowRef: this.#workflowRef,
            targetResource: this.#target(t),
            executionEngine: 'job',
          },
        }),
      ),
    );
    this.#names.push(...batch);
  }

  #target(t: number): string {
    return `${this.#campaign.env.namespace}/deployment/app-${t}`;
  }
}

/** A job campaign's executions, counting the Jobs created from its set-up on. */
export function useJobExecutions(
  campaign: Campaign,
  workflowRef: WorkflowRef,
  plan: { readonly rounds: number; readonly perRound: number },
): JobExecutions {
  const executions = new JobExecutions(campaign, workflowRef, plan);
  beforeAll(() => executions.watchJobs());
  return executions;
}
