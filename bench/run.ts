import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ensureBinaries, startControlPlane } from '@roundhouse/testenv';
import { apiGroups } from './api.js';
import { coreGroups } from './core.js';
import { printGroup, runGroup } from './harness.js';
import { buildGoReference } from './scale/go-reference.js';
import { runScale } from './scale/scale.js';

/*
 * `npm run bench` measures the full sizes; `npm run bench -- --quick` smaller ones (a few
 * minutes). ROUNDHOUSE_BENCH_EXECUTIONS, ROUNDHOUSE_BENCH_CACHED, ROUNDHOUSE_BENCH_WORKERS and
 * ROUNDHOUSE_BENCH_COOLDOWN override either.
 */
const started = Date.now();
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    // Only the controller at scale: what a change to the controller is checked with.
    scale: { type: 'boolean', default: false },
  },
});
const quick = values.quick ?? false;
const scaleOnly = values.scale ?? false;
const env = process.env;
const timeMs = Number(env.ROUNDHOUSE_BENCH_MS ?? (quick ? 300 : 1000));
const executions = Number(env.ROUNDHOUSE_BENCH_EXECUTIONS ?? (quick ? 100 : 500));
const scale = {
  executions,
  cached: Number(env.ROUNDHOUSE_BENCH_CACHED ?? (quick ? 1_000 : 10_000)),
  workers: Number(env.ROUNDHOUSE_BENCH_WORKERS ?? 4),
  cooldown: env.ROUNDHOUSE_BENCH_COOLDOWN ?? (quick ? '20s' : '60s'),
  // Every wait for a workload is bounded; a second per execution is far beyond what any takes.
  timeoutMs: Math.max(120_000, executions * 1_000),
};

console.log(
  `Roundhouse benchmarks${quick ? ' (quick)' : ''} on Node ${process.version}; each case runs ${timeMs} ms after a warm-up.`,
);
console.log(
  // Other work on the machine slows every figure here; the ratios less so.
  `Load average at the start: ${loadavg()
    .map((n) => n.toFixed(1))
    .join(', ')} on ${availableParallelism()} CPUs.`,
);
console.log('Ratios compare time per operation with the group baseline measured in this run.');
if (!scaleOnly)
  for (const group of coreGroups) printGroup(group.title, await runGroup(group, timeMs));

const binaries = await ensureBinaries(true).catch((error: Error) => {
  console.log(`\nAPI benchmarks skipped: ${error.message}`);
  return undefined;
});
if (binaries) {
  // Built before the control plane starts, so a build never competes with a measurement.
  console.log('\nGo controller-runtime reference:');
  const goBuild = await buildGoReference('/tmp/roundhouse-bench-go-reference-build.log');
  console.log(
    'skipped' in goBuild
      ? `  skipped: ${goBuild.skipped}`
      : `  ${goBuild.built ? `built in ${goBuild.seconds.toFixed(0)} s` : 'cached'}: ${goBuild.binary}`,
  );
  const plane = await startControlPlane({ workloads: true, binaries: binaries.paths, audit: true });
  try {
    if (!scaleOnly) {
      for (const group of await apiGroups(plane))
        printGroup(group.title, await runGroup(group, timeMs * 2));
      await (await import('./awx.js')).awxBench(plane);
    }
    await runScale(plane, scale, goBuild);
  } finally {
    await plane.stop();
  }
}
console.log(`\nThe bench took ${((Date.now() - started) / 1000).toFixed(0)} s.`);
