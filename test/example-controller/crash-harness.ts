import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
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

/** `kubeConfig` with its cluster reached at `server` (the same certificate authority and names). */
export function throughServer(kubeConfig: KubeConfig, server: string): KubeConfig {
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: kubeConfig.clusters.map((c) => ({ ...c, server })),
    users: kubeConfig.users,
    contexts: kubeConfig.contexts,
    currentContext: kubeConfig.currentContext,
  });
  return copy;
}

export interface StallingProxy {
  /** Starts listening on loopback; resolves with the URL to reach the API server at. */
  listen(): Promise<string>;
  /** Stops passing bytes, either way, on every connection. */
  stall(): void;
  /** Passes bytes again, what was held first, in order. */
  resume(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy to the API server that can stop passing bytes, as a stalled API server or a
 * network partition does: what either side sends meanwhile is held, and delivered in order once
 * the stall ends (TCP retries it), so a connection that outlives the stall stays intact. A side
 * that closed has the other side ended after what is held for it: the requests of a process
 * killed during a stall, or of a client that gave up on one, still reach the API server once the
 * stall ends, as they would once a partition heals.
 */
export function stallingProxy(target: URL): StallingProxy {
  let stalled = false;
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((downstream) => {
    const upstream = tcpConnect(Number(target.port || 443), target.hostname);
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    const later = (action: () => void) => {
      if (stalled) held.push(action);
      else action();
    };
    const relay = (from: Socket, to: Socket) =>
      from.on('data', (chunk) =>
        later(() => {
          if (!to.destroyed) to.write(chunk);
        }),
      );
    relay(downstream, upstream);
    relay(upstream, downstream);
    downstream.on('close', () => later(() => upstream.end()));
    upstream.on('close', () => later(() => downstream.end()));
  });
  return {
    async listen() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `https://127.0.0.1:${(server.address() as { port: number }).port}`;
    },
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
      for (const action of held.splice(0)) action();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Resolves once the controller is working: a kill before that would interrupt nothing. One
 * that ended first, or is not working within 60 s, fails with what it last logged and its
 * stderr, and how long it had run, so a start slowed by a loaded machine can be told from one
 * that hangs.
 */
export async function untilWorking(controller: ControllerProcess): Promise<void> {
  const since = Date.now();
  const diagnosis = () =>
    `after ${Date.now() - since} ms; last log lines ${JSON.stringify(controller.lines.slice(-20))}; stderr ${controller.stderr}`;
  const failure = await Promise.race([
    vi
      .waitFor(
        () => expect(controller.lines.some((l) => l.msg === 'controller started')).toBe(true),
        { timeout: 60_000, interval: 10 },
      )
      .then(
        () => undefined,
        () => new Error(`controller not working ${diagnosis()}`),
      ),
    controller.closed.then(
      (code) => new Error(`controller exited ${code} before working ${diagnosis()}`),
    ),
  ]);
  if (failure) throw failure;
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
  /** What the controllers reach the API server through, with `stallable`. */
  readonly proxy: StallingProxy | undefined;
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
  /**
   * The controllers reach the API server through a proxy the campaign can stall
   * (`Campaign.proxy`); the campaign's own client does not.
   */
  readonly stallable?: boolean;
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
  let proxy: StallingProxy | undefined;

  beforeAll(async () => {
    admin = new KubeClient(env.kubeConfig);
    await ensureWorkflowExecutionCrd(admin);
    executionNamespace = await env.controlPlane.createNamespace(`${options.prefix}-exec`);
    let reached = env.kubeConfig;
    if (options.stallable) {
      proxy = stallingProxy(new URL(env.kubeConfig.getCurrentCluster()?.server as string));
      reached = throughServer(env.kubeConfig, await proxy.listen());
    }
    dir = kubeconfigDirectory(reached, `roundhouse-${options.prefix}-`);
  });

  afterAll(async () => {
    stopWatches.abort();
    for (const controller of processes) {
      // Resumed first, so that one the stall campaign paused (SIGSTOP) ends like any other.
      if (controller.child.exitCode === null) controller.child.kill('SIGCONT');
      controller.kill();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    await proxy?.close();
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
    get proxy() {
      return proxy;
    },
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

/**
 * Watches the Jobs in `namespace` from now until `signal` aborts and records, as it happens,
 * every Job created while another Job of the same target (`targetOf` its name; undefined for
 * a Job of no target watched) still held it: it existed, was not being deleted, and had not
 * finished `cooldownMs` before (less a second: the API server writes whole seconds). The lock
 * release deletes an execution's Job after the cooldown, but another spelling's start may come
 * when the cooldown ends, just before that delete. Returns those overlaps (`<target>: <new Job>
 * beside <Job>`), every Job name announced, live, and `nextCreated`, resolving when the next Job
 * of `target` is announced (or after `withinMs`): a kill then lands between a Job's create and
 * the write that records it.
 */
export async function watchTargetOverlaps(
  client: KubeClient,
  namespace: string,
  signal: AbortSignal,
  targetOf: (jobName: string) => string | undefined,
  cooldownMs: number,
): Promise<{
  readonly overlaps: readonly string[];
  readonly created: ReadonlySet<string>;
  nextCreated(target: string, withinMs: number): Promise<void>;
}> {
  const overlaps: string[] = [];
  const created = new Set<string>();
  const waiting = new Map<string, (() => void)[]>();
  const holding = new Map<string, JobState>();
  const { resourceVersion } = await client.list(resources.jobs, namespace);
  void client.watch<JobState>(
    resources.jobs,
    namespace,
    ({ type, object }) => {
      const name = object.metadata?.name as string;
      const target = targetOf(name);
      if (target === undefined) return;
      if (type === 'ADDED') {
        created.add(name);
        for (const wake of waiting.get(target) ?? []) wake();
        waiting.delete(target);
        const at = Date.parse(object.metadata?.creationTimestamp ?? '');
        for (const [other, job] of holding) {
          if (targetOf(other) === target && other !== name && holds(job, at, cooldownMs))
            overlaps.push(`${target}: ${name} beside ${other}`);
        }
      }
      if (type === 'DELETED') holding.delete(name);
      else holding.set(name, object);
    },
    { resourceVersion, signal, stallTimeoutMs: 600_000 },
  );
  return {
    overlaps,
    created,
    nextCreated: (target, withinMs) =>
      new Promise<void>((resolve) => {
        waiting.set(target, [...(waiting.get(target) ?? []), resolve]);
        setTimeout(resolve, withinMs).unref();
      }),
  };
}

type JobState = KubeObject & {
  status?: {
    completionTime?: string;
    conditions?: { type?: string; status?: string; lastTransitionTime?: string }[];
  };
};

/** Conditions a Job has once its pods are done, successful or not (1.31 on adds the first two). */
const finishedJob = new Set(['SuccessCriteriaMet', 'FailureTarget', 'Complete', 'Failed']);

/** Whether `job` holds its target at `at`: not being deleted, running or still cooling down. */
function holds(job: JobState, at: number, cooldownMs: number): boolean {
  if (job.metadata?.deletionTimestamp) return false;
  const finished = job.status?.conditions?.find(
    (c) => finishedJob.has(c.type ?? '') && c.status === 'True',
  );
  if (!finished) return true;
  const finishedAt = Date.parse(job.status?.completionTime ?? finished.lastTransitionTime ?? '');
  return at < finishedAt + cooldownMs - 1_000;
}
