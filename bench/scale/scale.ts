import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeClient } from '@roundhouse/kube';
import { type ControlPlane, readAuditLog } from '@roundhouse/testenv';
import { ensureWorkflowExecutionCrd, workflowExecutions } from '@roundhouse/workflowexecution';
import { type CachedRss, cachedRss, prepareFinished } from './cached.js';
import { compileController } from './compile.js';
import { floorUser, measureFloor } from './floor.js';
import { type GoBuild, goUser, measureGoReference, startGoReference } from './go-reference.js';
import { printScaleReport } from './report.js';
import { measureRoundhouse, roundhouseUser, startRoundhouse } from './roundhouse.js';
import type { ScaleContext, ScenarioResult } from './scenario.js';

export interface ScaleOptions {
  readonly executions: number;
  /** Finished executions for the cached-RSS case; 0 skips it. */
  readonly cached: number;
  readonly workers: number;
  readonly cooldown: string;
  readonly timeoutMs: number;
}

const warmUp = 50;
const cachedUsers = { roundhouse: `${roundhouseUser}-cached`, go: `${goUser}-cached` };

async function step<T>(
  what: string,
  run: () => Promise<T>,
  describe: (t: T) => string,
): Promise<T> {
  const started = Date.now();
  const result = await run();
  console.log(`  ${what}: ${describe(result)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  return result;
}

const timeline = (r: ScenarioResult) =>
  `all Running after ${((r.timeline.allRunningAt - r.timeline.startedAt) / 1000).toFixed(1)} s, all Completed after ${((r.timeline.allCompletedAt - r.timeline.startedAt) / 1000).toFixed(1)} s`;

/** A new CRD's watch cache answers 429 until it has initialized; wait for that, bounded. */
async function servedFromCache(admin: KubeClient): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await admin.list(workflowExecutions, undefined, { limit: 1 });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

/** The scenarios compare only if each created the same Job for the same execution. */
function sameJobs([first, ...rest]: readonly ScenarioResult[]): void {
  for (const run of rest) {
    if (first && run.jobShape !== first.jobShape) {
      throw new Error(
        `bench: ${run.name} created another Job than ${first.name} did:\n  ${first.jobShape}\n  ${run.jobShape}`,
      );
    }
  }
}

/**
 * The controller at scale on a control plane started with `audit: true`: the floor, Roundhouse
 * and the Go reference one after another, then the reference and Roundhouse again (each on
 * namespaces of its own, the Jobs of one gone before the next starts), then RSS with many
 * cached executions, then the audit log.
 */
export async function runScale(
  plane: ControlPlane,
  options: ScaleOptions,
  goBuild: GoBuild,
): Promise<void> {
  const { auditLogPath } = plane;
  if (!auditLogPath) throw new Error('bench: the control plane must be started with audit: true');
  const workDir = await mkdtemp(join(tmpdir(), 'roundhouse-bench-'));
  const admin = new KubeClient(plane.kubeConfig);
  await ensureWorkflowExecutionCrd(admin);
  await servedFromCache(admin);
  const controller = await compileController();
  const ctx: ScaleContext = { plane, admin, workDir, controller, ...options };
  const binary = 'binary' in goBuild ? goBuild.binary : undefined;
  console.log(`\nController at scale (logs in ${workDir})`);
  try {
    // Unmeasured, so that no measured scenario is the first to write executions and Jobs on
    // this control plane.
    await step('warm-up (floor, not counted)', () => measureFloor(ctx, warmUp), timeline);
    const floor = await step('floor', () => measureFloor(ctx), timeline);
    const roundhouse = await step('Roundhouse', () => measureRoundhouse(ctx), timeline);
    const go = binary
      ? await step('Go reference', () => measureGoReference(ctx, binary), timeline)
      : undefined;
    // The same two again in the other order: the API server's speed drifts over a run, and one
    // pair of scenarios can land on either side of a drift.
    const second = binary
      ? {
          go: await step(
            'Go reference, second round',
            () => measureGoReference(ctx, binary, 'Go reference, second round'),
            timeline,
          ),
          roundhouse: await step(
            'Roundhouse, second round',
            () => measureRoundhouse(ctx, { lifecycle: false }),
            timeline,
          ),
        }
      : undefined;
    sameJobs([
      floor,
      roundhouse,
      ...(go ? [go] : []),
      ...(second ? [second.go, second.roundhouse] : []),
    ]);
    let cached: { count: number; roundhouse: CachedRss; go?: CachedRss } | undefined;
    if (options.cached > 0) {
      const namespace = await plane.createNamespace('cached');
      await step(
        `${options.cached} finished executions created`,
        () => prepareFinished(admin, namespace, options.cached),
        () => 'done',
      );
      const rss = (r: CachedRss) => `RSS ${(r.rssBytes / 1024 / 1024).toFixed(0)} MiB`;
      const roundhouseRss = await step(
        'Roundhouse caching them',
        () =>
          cachedRss(ctx, namespace, cachedUsers.roundhouse, (scope) =>
            startRoundhouse(controller, { ...scope, cooldown: options.cooldown }),
          ),
        rss,
      );
      const goRss = binary
        ? await step(
            'Go reference caching them',
            () =>
              cachedRss(ctx, namespace, cachedUsers.go, (scope) => startGoReference(binary, scope)),
            rss,
          )
        : undefined;
      cached = {
        count: options.cached,
        roundhouse: roundhouseRss,
        ...(goRss ? { go: goRss } : {}),
      };
    }
    const audit = await readAuditLog(auditLogPath, [
      floorUser,
      roundhouseUser,
      goUser,
      ...Object.values(cachedUsers),
    ]);
    printScaleReport({ ...options, floor, roundhouse, go, second, cached, audit });
    if (cached) {
      const count = (user: string) => audit.filter((r) => r.user === user).length;
      console.log(
        `\n  requests while caching ${cached.count} finished executions, start-up included: Roundhouse ${count(cachedUsers.roundhouse)}${cached.go ? `, Go reference ${count(cachedUsers.go)}` : ''}`,
      );
    }
    await rm(workDir, { recursive: true, force: true });
  } finally {
    await admin.close();
  }
}
