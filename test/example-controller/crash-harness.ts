import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { executionResourceName } from '@roundhouse/core';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { type TestNamespace, useTestNamespace } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd, workflowExecutions } from '@roundhouse/workflowexecution';
import { afterAll, beforeAll, expect, vi } from 'vitest';
import { ControllerProcess } from './controller-process.js';

const root = new URL('../..', import.meta.url).pathname;

/** A fixed sequence, so a failing schedule of kills can be run again. */
export function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/** An execution as the campaigns read it at the end. */
export type Phased = KubeObject & {
  status?: {
    phase?: string;
    executionRef?: { name?: string };
    failureDetails?: { reason?: string };
    conditions?: { type?: string; status?: string; reason?: string }[];
  };
};

/** An Event as the campaigns read it, to find one reported twice. */
export type Reported = KubeObject & {
  involvedObject: { name?: string; uid?: string };
  reason?: string;
  message?: string;
  count?: number;
};

/**
 * The example controller from source, in one process: tsx's CLI would run it in a child
 * process that a SIGKILL of the CLI leaves running. `nodeFlags` go to Node (an `--import`).
 */
function startControllerProcess(
  flags: readonly string[],
  nodeFlags: readonly string[] = [],
): ControllerProcess {
  return new ControllerProcess(process.execPath, [
    '--import=tsx',
    '--conditions=@roundhouse/source',
    ...nodeFlags,
    `${root}examples/workflowexecution-controller/src/main.ts`,
    ...flags,
  ]);
}

/** A directory of its own holding the plane's kubeconfig (`<dir>/kubeconfig`), for --kubeconfig. */
export function kubeconfigDirectory(kubeConfig: KubeConfig, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'kubeconfig'), kubeConfig.exportConfig(), { mode: 0o600 });
  return dir;
}

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

/** Resolves once the controller is working: a kill before that would interrupt nothing. */
export async function untilWorking(controller: ControllerProcess): Promise<void> {
  await vi.waitFor(
    () => expect(controller.lines.some((l) => l.msg === 'controller started')).toBe(true),
    { timeout: 60_000, interval: 10 },
  );
}

/** What a campaign runs in, and the controllers it starts, from before its test until after. */
export interface Campaign {
  /** The test namespace: executions are applied there (`--watch-namespace`). */
  readonly env: TestNamespace;
  /** Admin access to the control plane, defaulting to the test namespace. */
  readonly admin: KubeClient;
  /** Where the controller creates what executions run (`--execution-namespace`). */
  readonly executionNamespace: string;
  /** The campaign's own directory, holding the `kubeconfig` the controller reads. */
  readonly dir: string;
  /** Aborted after the test: ends the watches the campaign keeps. */
  readonly signal: AbortSignal;
  /** Every controller started, first to last. */
  readonly processes: readonly ControllerProcess[];
  /** Starts a controller, with the flags useCampaign describes. */
  start(): ControllerProcess;
  /**
   * One round of a crash campaign: a controller started, `during` run once it is working, then
   * the controller killed with SIGKILL; resolves with what `during` did once the controller ended.
   */
  killWhileWorking<T>(during: () => Promise<T>): Promise<T>;
}

export interface CampaignOptions {
  /** The test namespace's prefix; the execution namespace's is `<prefix>-exec`. */
  readonly prefix: string;
  /** `--engines`. */
  readonly engine: string;
  /** The campaign's own controller flags, read at each start: they may name what it set up. */
  readonly flags: () => readonly string[];
  /** Flags for Node, such as an `--import`. */
  readonly nodeFlags?: readonly string[];
}

/**
 * A campaign's set-up: its test namespace, the WorkflowExecution CRD, an execution namespace and
 * a kubeconfig file, before the test; after it, its watches ended, every controller it started
 * killed and the directory removed. Each controller runs the engine with 4 workers on those two
 * namespaces, serves health on loopback (any free port), and takes the campaign's own flags.
 */
export function useCampaign(options: CampaignOptions): Campaign {
  const env = useTestNamespace({ prefix: options.prefix });
  const stopWatches = new AbortController();
  const processes: ControllerProcess[] = [];
  let admin: KubeClient;
  let executionNamespace: string;
  let dir = '';

  beforeAll(async () => {
    admin = new KubeClient(env.kubeConfig);
    await ensureWorkflowExecutionCrd(admin);
    executionNamespace = await env.controlPlane.createNamespace(`${options.prefix}-exec`);
    dir = kubeconfigDirectory(env.kubeConfig, `roundhouse-${options.prefix}-`);
  });

  afterAll(() => {
    stopWatches.abort();
    for (const controller of processes) {
      // Resumed first, so that one the stall campaign paused (SIGSTOP) ends like any other.
      if (controller.child.exitCode === null) controller.child.kill('SIGCONT');
      controller.kill();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const start = () => {
    const started = startControllerProcess(
      [
        `--kubeconfig=${join(dir, 'kubeconfig')}`,
        `--engines=${options.engine}`,
        `--watch-namespace=${env.namespace}`,
        `--execution-namespace=${executionNamespace}`,
        '--workers=4',
        '--health-port=0',
        '--health-host=127.0.0.1',
        ...options.flags(),
      ],
      options.nodeFlags,
    );
    processes.push(started);
    return started;
  };

  return {
    env,
    get admin() {
      return admin;
    },
    get executionNamespace() {
      return executionNamespace;
    },
    get dir() {
      return dir;
    },
    signal: stopWatches.signal,
    processes,
    start,
    async killWhileWorking(during) {
      const controller = start();
      await untilWorking(controller);
      const done = await during();
      controller.kill();
      await controller.closed;
      return done;
    },
  };
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

/** The Events about objects in `namespace`, as `<object> <reason> x<count>`, for "nothing twice". */
export async function reportedEvents(client: KubeClient, namespace: string): Promise<string[]> {
  const { items } = await client.list<KubeObject & { reason?: string; count?: number }>(
    resources.events,
    namespace,
  );
  return items.map(
    (e) => `${(e.involvedObject as { name?: string }).name} ${e.reason} x${e.count ?? 1}`,
  );
}

/**
 * No Event in `namespace` reported twice (count 1 each, no second of the same words), and no
 * step under two names: a start matching `started` (ExecutionCreated, or the race path's
 * `<Kind>Created`), an end as WorkflowCompleted and WorkflowFailed.
 */
export async function expectNothingReportedTwice(
  client: KubeClient,
  namespace: string,
  started: RegExp,
): Promise<void> {
  const { items: events } = await client.list<Reported>(resources.events, namespace);
  const reported = events.map((e) => `${e.involvedObject.uid} ${e.reason} ${e.message}`);
  expect(new Set(reported).size).toBe(reported.length);
  for (const e of events) expect(e.count ?? 1, `${e.reason} ${e.message}`).toBe(1);
  for (const step of [started, /^Workflow(Completed|Failed)$/]) {
    const of = events.filter((e) => step.test(e.reason ?? '')).map((e) => e.involvedObject);
    const twice = of.filter((o, i) => of.findIndex((p) => p.uid === o.uid) !== i);
    expect(
      twice.map((o) => o.name),
      String(step),
    ).toEqual([]);
  }
}
