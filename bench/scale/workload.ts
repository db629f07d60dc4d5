import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  executionResourceName,
  parseWorkflowExecution,
  roundhouseConventions,
} from '@roundhouse/core';
import { buildJob } from '@roundhouse/job';
import { type KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import type { ControlPlane } from '@roundhouse/testenv';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { planeCpuMs } from './processes.js';
import type { Tracker } from './tracker.js';

/** Any image string works on the fake node; controllers must allow this source. */
export const bundle = 'registry.invalid/bench/workflow:1';
export const bundleSource = 'registry.invalid/*';

export const executionName = (i: number) => `wfe-${i}`;
export const targetOf = (i: number) => `bench/deployment/app-${i}`;
/** The Job name every controller here gives execution i: the lock name of its target. */
export const jobNameOf = (i: number) => executionResourceName(targetOf(i));

export function executionBody(i: number): KubeObject {
  return {
    metadata: { name: executionName(i) },
    spec: {
      workflowRef: { workflowId: 'bench', version: '1', executionBundle: bundle },
      targetResource: targetOf(i),
      executionEngine: 'job',
    },
  };
}

/**
 * The Job the example controller's job engine creates for `execution` (roundhouse conventions,
 * the restricted security profile, a 600 s TTL, the controller's default 1 h deadline): the floor
 * sends this one, and the
 * Go reference builds the same, so no scenario does less work on the API server because its Job
 * is smaller. `jobShape` checks that they agree.
 */
export function roundhouseJob(execution: KubeObject, namespace: string): KubeObject {
  return buildJob(parseWorkflowExecution(execution), namespace, undefined, {
    conventions: roundhouseConventions,
    serviceAccountName: roundhouseConventions.defaultServiceAccountName,
    ttlSecondsAfterFinished: 600,
    securityProfile: 'restricted',
    defaultTimeout: '1h',
  }) as KubeObject;
}

/**
 * A Job as the API server returned it, with what differs between scenarios masked (namespaces,
 * UIDs): two controllers that create the same Job for the same execution give the same string.
 */
export function jobShape(job: KubeObject, namespaces: readonly string[]): string {
  let shape = JSON.stringify({
    labels: job.metadata?.labels,
    annotations: job.metadata?.annotations,
    spec: job.spec,
  });
  for (const namespace of namespaces) shape = shape.replaceAll(namespace, '<namespace>');
  return shape.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uid>');
}

/** Execution 0's Job as the tracker's watch first saw it, masked by `jobShape`. */
export function firstJobShape(
  tracker: Tracker,
  namespaces: { readonly watch: string; readonly execution: string },
): string {
  const job = tracker.sampledJob;
  if (!job) throw new Error(`bench: the watch saw no Job of ${executionName(0)}`);
  return jobShape(job, [namespaces.watch, namespaces.execution]);
}

/** Polls `check` every 50 ms; resolves with the time it first held, or fails after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => boolean,
  timeoutMs: number,
  progress?: () => string,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(
        `bench: ${what} not reached within ${timeoutMs / 1000} s${progress ? ` (${progress()})` : ''}`,
      );
    }
    await sleep(50);
  }
  return Date.now();
}

export interface Timeline {
  readonly startedAt: number;
  readonly allRunningAt: number;
  readonly allCompletedAt: number;
  readonly failed: number;
  /** Job finished -> execution Completed, per execution, in ms (as the bench's watches saw both). */
  readonly jobToCompletedMs: number[];
  /**
   * Executions the watch saw Completed (or Failed) before the last one was Running: the
   * controller's workers wrote those while starts were still waiting.
   */
  readonly completedBeforeAllRunning: number;
  /**
   * CPU time each control-plane process spent from the first create until all were Running,
   * and until all were Completed, in ms by process name.
   */
  readonly planeCpuMs: {
    readonly toRunning: Readonly<Record<string, number>>;
    readonly toCompleted: Readonly<Record<string, number>>;
  };
}

function since(
  start: Readonly<Record<string, number>>,
  now: Readonly<Record<string, number>>,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(now).map(([name, ms]) => [name, ms - (start[name] ?? Number.NaN)]),
  );
}

/**
 * Creates `count` executions at once with the bench's own client (`create` may add more
 * requests per execution, as the floor does) and follows them with the tracker until all are
 * Completed (or Failed).
 */
export async function runExecutions(
  plane: ControlPlane,
  tracker: Tracker,
  count: number,
  timeoutMs: number,
  create: (i: number) => Promise<void>,
): Promise<Timeline> {
  const planeAtStart = await planeCpuMs(plane);
  const startedAt = Date.now();
  const creating = Promise.all(Array.from({ length: count }, (_, i) => create(i)));
  // A failed create would otherwise only show as a timeout.
  let createError: unknown;
  creating.catch((error: unknown) => {
    createError = error;
  });
  const progress = () =>
    `${tracker.running.size} Running, ${tracker.jobFinished.size} Jobs finished, ${tracker.completed.size} Completed of ${count}`;
  const settled = (done: () => boolean) => () => {
    if (createError) throw createError;
    return done();
  };
  const allRunningAt = await waitUntil(
    'all Running',
    settled(() => tracker.running.size + tracker.failed.size >= count),
    timeoutMs,
    progress,
  );
  const planeAtRunning = await planeCpuMs(plane);
  const allCompletedAt = await waitUntil(
    'all Completed',
    settled(() => tracker.completed.size >= count),
    timeoutMs,
    progress,
  );
  const planeAtCompleted = await planeCpuMs(plane);
  await creating;
  const jobToCompletedMs = [...tracker.completed]
    .filter(([name]) => !tracker.failed.has(name) && tracker.jobFinished.has(name))
    .map(([name, at]) => at - (tracker.jobFinished.get(name) as number));
  return {
    startedAt,
    allRunningAt,
    allCompletedAt,
    failed: tracker.failed.size,
    jobToCompletedMs,
    completedBeforeAllRunning: [...tracker.completed.values()].filter((at) => at < allRunningAt)
      .length,
    planeCpuMs: {
      toRunning: since(planeAtStart, planeAtRunning),
      toCompleted: since(planeAtStart, planeAtCompleted),
    },
  };
}

/** Creates execution i with the bench's own (admin) client. */
export const createExecution =
  (admin: KubeClient, namespace: string) =>
  async (i: number): Promise<void> => {
    await admin.create(workflowExecutions, namespace, executionBody(i));
  };

/**
 * Deletes the Jobs a scenario left and waits until their pods are gone, so the next scenario
 * does not share the control plane with the garbage collector.
 */
export async function removeJobs(
  admin: KubeClient,
  namespace: string,
  timeoutMs: number,
): Promise<void> {
  const { items } = await admin.list(resources.jobs, namespace);
  await Promise.all(
    items.map((job) =>
      admin.delete(resources.jobs, namespace, job.metadata?.name ?? '', {
        propagationPolicy: 'Background',
      }),
    ),
  );
  const deadline = Date.now() + timeoutMs;
  while ((await admin.list(resources.pods, namespace)).items.length > 0) {
    if (Date.now() > deadline) throw new Error(`bench: pods in ${namespace} were not removed`);
    await sleep(500);
  }
}

/**
 * A kubeconfig file for a controller process of its own identity: CN=`user` in
 * `system:masters`, so the audit log tells its requests apart without RBAC in the way.
 */
export async function userKubeconfigFile(
  plane: ControlPlane,
  dir: string,
  user: string,
): Promise<string> {
  const kubeConfig = await plane.userKubeConfig(user, ['system:masters']);
  const path = join(dir, `${user}.kubeconfig`);
  await writeFile(path, kubeConfig.exportConfig(), { mode: 0o600 });
  return path;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ] as number;
}
