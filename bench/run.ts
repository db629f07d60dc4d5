import { ensureBinaries, startControlPlane } from '@roundhouse/testenv';
import { apiGroups } from './api.js';
import { controllerThroughput, executions } from './controller.js';
import { coreGroups } from './core.js';
import { printGroup, runGroup } from './harness.js';

const timeMs = Number(process.env.ROUNDHOUSE_BENCH_MS ?? 1000);

console.log(
  `Roundhouse benchmarks on Node ${process.version}; each case runs ${timeMs} ms after a warm-up.`,
);
console.log('Ratios compare time per operation with the group baseline measured in this run.');
for (const group of coreGroups) printGroup(group.title, await runGroup(group, timeMs));

const binaries = await ensureBinaries(true).catch((error: Error) => {
  console.log(`\nAPI benchmarks skipped: ${error.message}`);
  return undefined;
});
if (binaries) {
  const plane = await startControlPlane({ workloads: true, binaries: binaries.paths });
  try {
    for (const group of await apiGroups(plane))
      printGroup(group.title, await runGroup(group, timeMs * 2));
    await (await import('./awx.js')).awxBench(plane);
    const run = await controllerThroughput(plane);
    printGroup(`${executions} executions to Completed through real Jobs (one run each)`, [
      {
        name: 'baseline: the same Jobs created directly',
        opsPerSecond: (executions * 1000) / run.baselineMs,
        ratio: 1,
      },
      {
        name: 'WorkflowExecutions through the controller',
        opsPerSecond: (executions * 1000) / run.controllerMs,
        ratio: run.controllerMs / run.baselineMs,
      },
    ]);
    console.log(
      `  ${run.reconciles} reconciles, ${run.meanReconcileMs.toFixed(0)} ms each on average`,
    );
    console.log(`  heap growth while the controller ran them: ${run.memoryMiB.toFixed(1)} MiB`);
  } finally {
    await plane.stop();
  }
}
