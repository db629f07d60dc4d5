import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '@roundhouse/kube';
import { measureController } from './measure.js';
import { type ControllerProcess, exited, procSample } from './processes.js';
import type { ControllerScope } from './roundhouse.js';
import type { RoundTrip, Sample, ScaleContext, ScenarioResult } from './scenario.js';
import { userKubeconfigFile } from './workload.js';

export const goUser = 'bench-go-reference';

const buildScript = fileURLToPath(new URL('../go-reference/build.sh', import.meta.url));

export type GoBuild =
  | { readonly binary: string; readonly seconds: number; readonly built: boolean }
  | { readonly skipped: string };

/**
 * Builds the reference controller into ~/.cache/roundhouse (instant when its sources are
 * unchanged). No usable Go skips the reference instead of failing the bench; a failed build
 * fails it, with the build's output in `logPath`.
 */
export async function buildGoReference(logPath: string): Promise<GoBuild> {
  const started = Date.now();
  const log = createWriteStream(logPath);
  const child = spawn('bash', [buildScript], { stdio: ['ignore', 'pipe', 'pipe'] });
  let last = '';
  let built = false;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.trim()) last = line.trim();
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    log.write(`${line}\n`);
    if (!line.startsWith('[go-reference-build]')) return;
    if (line.includes('building into')) built = true;
    console.log(`  ${line}`);
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  await new Promise((resolve) => log.end(resolve));
  if (code === 3) return { skipped: `no usable Go (see ${logPath})` };
  if (code !== 0)
    throw new Error(`bench: the Go reference build failed (exit ${code}); see ${logPath}`);
  return { binary: last, seconds: (Date.now() - started) / 1000, built };
}

/**
 * The Job the reference creates for each of `executions` (as the API server returns them), in
 * `namespace`, from its `--print-job` mode, which needs no cluster: what
 * test/bench-go-reference-job.test.ts holds to the job engine's Job.
 */
export async function goReferenceJobs(
  binary: string,
  executions: readonly KubeObject[],
  namespace: string,
): Promise<KubeObject[]> {
  const child = spawn(binary, ['--print-job', `--execution-namespace=${namespace}`], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.end(executions.map((execution) => JSON.stringify(execution)).join('\n'));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) {
    throw new Error(
      `bench: the Go reference's --print-job failed (exit ${code}): ${stderr.trim()}`,
    );
  }
  return stdout
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as KubeObject);
}

/**
 * The round trips the reference wrote (`--round-trips`, see round_trips.go) whose answers came
 * in `(from, to]` (Unix ms), in the probe's shape.
 */
export function roundTripsBetween(lines: string, from: number, to: number): RoundTrip[] {
  const roundTrips: RoundTrip[] = [];
  for (const line of lines.split('\n')) {
    const [at, method, path, ms] = line.split('\t');
    if (at === undefined || method === undefined || path === undefined || ms === undefined)
      continue;
    if (Number(at) > from && Number(at) <= to) roundTrips.push([method, path, Number(ms)]);
  }
  return roundTrips;
}

/** Starts the reference controller; resolves once it printed `ready` (caches synced). */
export async function startGoReference(
  binary: string,
  scope: ControllerScope,
): Promise<ControllerProcess> {
  const log = createWriteStream(scope.logPath, { flags: 'a' });
  const roundTripsPath = `${scope.logPath}.round-trips`;
  const child = spawn(
    binary,
    [
      `--kubeconfig=${scope.kubeconfig}`,
      `--watch-namespace=${scope.watchNamespace}`,
      `--execution-namespace=${scope.executionNamespace}`,
      `--workers=${scope.workers}`,
      `--round-trips=${roundTripsPath}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stderr.pipe(log);
  const pid = child.pid ?? -1;
  let sampledAt = Date.now();
  const controller: ControllerProcess = {
    pid,
    // Like the probe's: the round trips answered since the previous sample.
    async sample(): Promise<Sample> {
      const [sample, lines] = await Promise.all([
        procSample(pid),
        readFile(roundTripsPath, 'utf8').catch(() => ''),
      ]);
      const now = Date.now();
      const roundTrips = roundTripsBetween(lines, sampledAt, now);
      sampledAt = now;
      return { ...sample, roundTrips };
    },
    async stop() {
      child.kill('SIGTERM');
      if (!(await exited(child, 15_000))) child.kill('SIGKILL');
      log.end();
    },
  };
  const ready = new Promise<boolean>((resolve) => {
    createInterface({ input: child.stdout }).on(
      'line',
      (line) => line === 'ready' && resolve(true),
    );
    child.once('exit', () => resolve(false));
  });
  // Unreferenced: the timer must not keep the bench alive after the race is decided.
  const outcome = await Promise.race([ready, sleep(120_000, false, { ref: false })]);
  if (!outcome) {
    await controller.stop();
    throw new Error(`bench: the Go reference did not get ready; see ${scope.logPath}`);
  }
  return controller;
}

/** The Go reference from N executions created at once to all Completed (it has no cleanup). */
export async function measureGoReference(
  ctx: ScaleContext,
  binary: string,
  name = 'Go reference',
): Promise<ScenarioResult> {
  return measureController(
    ctx,
    'go',
    async ({ watch, execution }) =>
      startGoReference(binary, {
        kubeconfig: await userKubeconfigFile(ctx.plane, ctx.workDir, goUser),
        watchNamespace: watch,
        executionNamespace: execution,
        workers: ctx.workers,
        logPath: join(ctx.workDir, 'go-reference.log'),
      }),
    async ({ timeline, jobShape, idle, atStart, atCompleted }) => ({
      name,
      user: goUser,
      executions: ctx.executions,
      timeline,
      jobShape,
      idle,
      atStart,
      atCompleted,
    }),
  );
}
