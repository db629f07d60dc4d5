import { type ChildProcess, fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseGoDuration } from '@roundhouse/core';
import type { CompiledController } from './compile.js';
import { measureController } from './measure.js';
import { type ControllerProcess, exited, freePort } from './processes.js';
import type { Sample, ScaleContext, ScenarioResult } from './scenario.js';
import { bundleSource, userKubeconfigFile, waitUntil } from './workload.js';

export const roundhouseUser = 'bench-roundhouse';

export interface ControllerScope {
  readonly kubeconfig: string;
  readonly watchNamespace: string;
  readonly executionNamespace: string;
  readonly workers: number;
  readonly logPath: string;
}

function readDockerfile(): Promise<string> {
  return readFile(
    fileURLToPath(
      new URL('../../examples/workflowexecution-controller/Dockerfile', import.meta.url),
    ),
    'utf8',
  );
}

/**
 * The Node flags the example's image runs the controller with (its Dockerfile's ENTRYPOINT),
 * so the bench measures the runtime as shipped, not Node's defaults.
 */
async function imageNodeFlags(): Promise<string[]> {
  // To measure other flags before shipping them, e.g. "--max-semi-space-size=8".
  const override = process.env.ROUNDHOUSE_BENCH_NODE_FLAGS;
  if (override !== undefined) return override.split(' ').filter(Boolean);
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(await readDockerfile())?.[1];
  if (!entrypoint) throw new Error('bench: no ENTRYPOINT in the example controller Dockerfile');
  return (JSON.parse(entrypoint) as string[]).filter((arg) => arg.startsWith('--'));
}

/**
 * The environment the image gives the controller (its Dockerfile's `ENV key=value` lines; the
 * allocator's settings among them), over the bench's own, so RSS is measured as shipped.
 */
async function imageEnvironment(): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [, line = ''] of (await readDockerfile()).matchAll(/^ENV (.+)$/gm)) {
    for (const pair of line.trim().split(/\s+/)) {
      const at = pair.indexOf('=');
      if (at <= 0) throw new Error(`bench: an ENV line the bench cannot read: ${line}`);
      env[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  return env;
}

/**
 * Starts the example WorkflowExecution controller, the application as shipped (flags in, JSON
 * logs out; job engine only), compiled (see compile.ts) in a Node process of its own with the
 * probe preloaded; resolves once its /readyz says the caches are synced.
 */
export async function startRoundhouse(
  compiled: CompiledController,
  scope: ControllerScope & { readonly cooldown: string },
): Promise<ControllerProcess> {
  const port = await freePort();
  const log = openSync(scope.logPath, 'a');
  const child = fork(
    compiled.main,
    [
      `--kubeconfig=${scope.kubeconfig}`,
      '--engines=job',
      `--watch-namespace=${scope.watchNamespace}`,
      `--execution-namespace=${scope.executionNamespace}`,
      `--cooldown=${scope.cooldown}`,
      `--workers=${scope.workers}`,
      `--allowed-bundles=${bundleSource}`,
      `--health-port=${port}`,
      '--health-host=127.0.0.1',
    ],
    {
      execArgv: [
        '--expose-gc',
        '--import',
        pathToFileURL(compiled.probe).href,
        // A CPU profile of the controller, to see where its time goes.
        ...(await imageNodeFlags()),
        ...(process.env.ROUNDHOUSE_BENCH_PROFILE
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env.ROUNDHOUSE_BENCH_PROFILE}`]
          : []),
      ],
      env: await imageEnvironment(),
      stdio: ['ignore', log, log, 'ipc'],
    },
  );
  closeSync(log);
  const controller = processOf(child);
  try {
    await waitUntilReady(child, `http://127.0.0.1:${port}/readyz`, scope.logPath);
  } catch (error) {
    await controller.stop();
    throw error;
  }
  return controller;
}

async function waitUntilReady(child: ChildProcess, url: string, logPath: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`bench: the Roundhouse controller exited; see ${logPath}`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`bench: the Roundhouse controller was not ready within 120 s; see ${logPath}`);
}

function processOf(child: ChildProcess): ControllerProcess {
  let next = 0;
  return {
    pid: child.pid ?? -1,
    sample(options = {}) {
      const id = ++next;
      return new Promise<Sample>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('bench: no sample from the controller')),
          10_000,
        );
        const onMessage = (message: Sample & { id: number }) => {
          if (message.id !== id) return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(message);
        };
        child.on('message', onMessage);
        child.send({ id, gc: options.gc ?? false });
      });
    },
    async stop() {
      child.kill('SIGTERM');
      // The probe's IPC listener would keep the process alive after the controller stopped.
      if (child.connected) child.disconnect();
      if (!(await exited(child, 15_000))) child.kill('SIGKILL');
    },
  };
}

/**
 * Roundhouse through the whole lifecycle: N executions created at once, all Running, all
 * Completed, the cooldown, and cleanup until every lock is released. The second round
 * (`lifecycle: false`) stops at all Completed: it is there for the time to all Running.
 */
export async function measureRoundhouse(
  ctx: ScaleContext,
  { lifecycle = true }: { readonly lifecycle?: boolean } = {},
): Promise<ScenarioResult> {
  return measureController(
    ctx,
    'rh',
    async ({ watch, execution }) =>
      startRoundhouse(ctx.controller, {
        kubeconfig: await userKubeconfigFile(ctx.plane, ctx.workDir, roundhouseUser),
        watchNamespace: watch,
        executionNamespace: execution,
        workers: ctx.workers,
        cooldown: ctx.cooldown,
        logPath: join(ctx.workDir, 'roundhouse.log'),
      }),
    async ({ controller, tracker, timeline, jobShape, idle, atStart, atCompleted }) => {
      if (!lifecycle) {
        return {
          name: 'Roundhouse, second round',
          user: roundhouseUser,
          executions: ctx.executions,
          timeline,
          jobShape,
          atStart,
          atCompleted,
        };
      }
      const releasedEarly = [...tracker.released.values()].filter(
        (at) => at <= timeline.allCompletedAt,
      ).length;
      await waitUntil(
        'every lock released',
        () => tracker.released.size >= ctx.executions,
        ctx.timeoutMs + (parseGoDuration(ctx.cooldown) ?? 0),
        () => `${tracker.released.size} of ${ctx.executions} released`,
      );
      // Events are recorded without waiting; give the last ones a moment to arrive.
      await sleep(1_000);
      const atEnd = await controller.sample();
      return {
        name: 'Roundhouse',
        user: roundhouseUser,
        executions: ctx.executions,
        timeline,
        jobShape,
        idle,
        atStart,
        atCompleted,
        lifecycle: { endAt: Date.now(), atEnd, releasedEarly },
      };
    },
    { gc: true },
  );
}
