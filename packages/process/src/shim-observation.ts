import type { ProcessTable } from './process-table.js';
import type { Observation } from './task-lifecycle.js';
import type { ProcessIdentity } from './task-record.js';
import type { TaskStore } from './task-store.js';

/**
 * What a started task's shim left: its exit status, else whether the shim still lives, and
 * once it is gone whether it left its own never-started or stopped-before-start marker, or else
 * whether processes of its group still run. A marker with another pid is an earlier shim's, and a live shim has not
 * ended: neither says the command did not run. procfs is scanned only for a shim gone without
 * a status.
 */
export async function observeShim(
  store: TaskStore,
  table: ProcessTable,
  name: string,
  runtime: ProcessIdentity,
): Promise<Observation> {
  let outcome = await store.readShimOutcome(name);
  const shimAlive = outcome?.kind !== 'exited' && (await table.isAlive(runtime));
  // The shim may have written its status between the two reads.
  if (outcome?.kind !== 'exited' && !shimAlive) outcome = await store.readShimOutcome(name);
  const exit = outcome?.kind === 'exited' ? { code: outcome.code, at: outcome.at } : undefined;
  if (exit || shimAlive) return { exit, shimAlive };
  if (outcome && outcome.kind !== 'exited' && outcome.shimPid === runtime.pid) {
    return outcome.kind === 'neverStarted'
      ? { shimAlive, neverStarted: true }
      : { shimAlive, stoppedBeforeStart: outcome.at };
  }
  if ((await table.ownGroupMembers(runtime)).length > 0) return { shimAlive, groupAlive: true };
  return { shimAlive, goneBy: new Date() };
}
