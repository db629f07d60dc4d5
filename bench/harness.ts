/**
 * A small benchmark harness: each case runs for a fixed time after a warm-up and is reported
 * as operations per second and as a ratio to its group's baseline, measured in the same run,
 * so the figures compare on any machine. Nothing here asserts on time.
 */
export interface BenchCase {
  readonly name: string;
  readonly fn: () => unknown | Promise<unknown>;
}

export interface BenchGroup {
  readonly title: string;
  readonly baseline: BenchCase;
  readonly cases: readonly BenchCase[];
}

export interface Measurement {
  readonly name: string;
  readonly opsPerSecond: number;
  /** Time per operation relative to the baseline's: 2.0 means twice as slow. */
  readonly ratio: number;
}

async function measure(bench: BenchCase, timeMs: number): Promise<number> {
  const warmUntil = performance.now() + timeMs / 4;
  while (performance.now() < warmUntil) await bench.fn();
  let operations = 0;
  const start = performance.now();
  const until = start + timeMs;
  while (performance.now() < until) {
    await bench.fn();
    operations++;
  }
  return (operations * 1000) / (performance.now() - start);
}

export async function runGroup(group: BenchGroup, timeMs = 1000): Promise<Measurement[]> {
  const baseline = await measure(group.baseline, timeMs);
  const results: Measurement[] = [
    { name: `baseline: ${group.baseline.name}`, opsPerSecond: baseline, ratio: 1 },
  ];
  for (const bench of group.cases) {
    const ops = await measure(bench, timeMs);
    results.push({ name: bench.name, opsPerSecond: ops, ratio: baseline / ops });
  }
  return results;
}

export function printGroup(title: string, results: readonly Measurement[]): void {
  console.log(`\n${title}`);
  const width = Math.max(...results.map((r) => r.name.length));
  for (const r of results) {
    const ops = r.opsPerSecond >= 100 ? r.opsPerSecond.toFixed(0) : r.opsPerSecond.toFixed(1);
    console.log(
      `  ${r.name.padEnd(width)}  ${ops.padStart(10)} ops/s  ${r.ratio.toFixed(2).padStart(6)}x baseline time`,
    );
  }
}
