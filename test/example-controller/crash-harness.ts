import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { type TestNamespace, useTestNamespace } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd } from '@roundhouse/workflowexecution';
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
