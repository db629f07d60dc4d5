import { ensureBinaries, startControlPlane } from '@roundhouse/testenv';
import { apiGroups } from './api.js';
import { coreGroups } from './core.js';
import { printGroup, runGroup } from './harness.js';

const timeMs = Number(process.env.ROUNDHOUSE_BENCH_MS ?? 1000);

console.log(
  `Roundhouse benchmarks on Node ${process.version}; each case runs ${timeMs} ms after a warm-up.`,
);
console.log('Ratios compare time per operation with the group baseline measured in this run.');
for (const group of coreGroups) printGroup(group.title, await runGroup(group, timeMs));

const binaries = await ensureBinaries(false).catch((error: Error) => {
  console.log(`\nAPI benchmarks skipped: ${error.message}`);
  return undefined;
});
if (binaries) {
  const plane = await startControlPlane({ binaries: binaries.paths });
  try {
    for (const group of await apiGroups(plane))
      printGroup(group.title, await runGroup(group, timeMs * 2));
  } finally {
    await plane.stop();
  }
}
