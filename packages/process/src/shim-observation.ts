import type { ProcessTable } from './process-table.js';
import type { Observation } from './task-lifecycle.js';
import type { ProcessIdentity } from './task-record.js';
import type { TaskStore } from './task-store.js';

/** What a started task's shim left: its exit status, else whether the shim still lives. */
export async function observeShim(
  store: TaskStore,
  table: ProcessTable,
  name: string,
  runtime: ProcessIdentity,
): Promise<Observation> {
  let exit = await store.readExit(name);
  const shimAlive = exit === undefined && (await table.isAlive(runtime));
  // The shim may have written its status between the two reads.
  if (!exit && !shimAlive) exit = await store.readExit(name);
  return { exit, shimAlive, ...(exit || shimAlive ? {} : { goneBy: new Date() }) };
}
