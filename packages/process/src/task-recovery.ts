import type { Logger } from '@roundhouse/core';
import type { ProcessTable } from './process-table.js';
import { observeShim } from './shim-observation.js';
import type { TaskCgroups } from './task-cgroups.js';
import { TaskStoreError } from './task-errors.js';
import { observe, rerunAfterLoss } from './task-lifecycle.js';
import type { TaskRecord } from './task-record.js';
import type { TaskStore } from './task-store.js';
import { unreadableFacts, unreadableRecord } from './unreadable-task.js';

export interface RecoverySettings {
  /** Drop a task whose outcome was lost, so that it is created and run again. */
  readonly rerunLostTasks: boolean;
}

/**
 * Reads every task a previous supervisor left in the data directory. A directory without a
 * record (a create stopped before its first record, so nothing ran) is removed. A record of a
 * shim that never got `go` (its never-started marker in `exit`) is kept as it is: nothing of
 * it ran, so it is not lost, and the supervisor's first pass makes it Pending and starts it
 * (see `observe`). A record that cannot be read becomes an `Unknown` task, reason
 * `UnreadableRecord`, with a warning (see unreadable-task.ts): its spec and outcome are lost,
 * so it is never run again, and its name is freed when it is deleted. With `rerunLostTasks`, a
 * task whose outcome was lost while nothing watched it is removed as OpenSandbox's
 * recoverTasks removes it, so the next create of its name runs it again: at least once; an
 * unreadable record counts as lost, and its directory is moved aside, not removed, unless
 * processes that may be the task's still run.
 */
export async function recoverTasks(
  store: TaskStore,
  table: ProcessTable,
  cgroups: TaskCgroups,
  log: Logger,
  settings: RecoverySettings,
): Promise<Map<string, TaskRecord>> {
  await store.init();
  const tasks = new Map<string, TaskRecord>();
  for (const name of await store.list()) {
    try {
      const record = await recoverTask(store, table, cgroups, log, settings, name);
      if (record) tasks.set(name, record);
    } catch (error) {
      // One entry the agent cannot read now (out of file descriptors, a directory it may not
      // enter) must not keep every other task from being recovered; a create of its name
      // adopts it later.
      if (!(error instanceof TaskStoreError)) throw error;
      log.warn(
        { task: name, error: error.message },
        'skipping a task directory that cannot be read',
      );
    }
  }
  return tasks;
}

/**
 * The record to keep from one task directory, or undefined when it is removed (or moved
 * aside). Also how a create adopts a directory the supervisor does not know.
 */
export async function recoverTask(
  store: TaskStore,
  table: ProcessTable,
  cgroups: TaskCgroups,
  log: Logger,
  settings: RecoverySettings,
  name: string,
): Promise<TaskRecord | undefined> {
  const stored = await store.read(name);
  if (stored.kind === 'missing') {
    await store.remove(name);
  } else if (stored.kind === 'unreadable') {
    const facts = await unreadableFacts(store, table, name, stored.problem);
    if (settings.rerunLostTasks && facts.processes.length === 0) {
      const keptAs = await store.keepAside(name, new Date());
      log.warn(
        { task: name, problem: stored.problem, keptAs },
        'moved aside a task whose record cannot be read; creating it again runs it again',
      );
      return undefined;
    }
    const record = unreadableRecord(name, facts);
    log.warn(
      { task: name, problem: stored.problem, processes: facts.processes },
      'a task record cannot be read: the task is reported Unknown until it is deleted',
    );
    return record;
  } else if (settings.rerunLostTasks && (await lost(store, table, log, stored.record))) {
    await cgroups.forget(stored.record.uid);
    await store.remove(name);
    log.warn(
      { task: name },
      'dropped a task whose process ended without an exit status; creating it again runs it again',
    );
  } else {
    return stored.record;
  }
  return undefined;
}

async function lost(store: TaskStore, table: ProcessTable, log: Logger, record: TaskRecord) {
  const { runtime } = record;
  if (record.state !== 'Running' || !runtime) return false;
  const observed = await observeShim(store, table, record.name, runtime);
  if (observed.groupAlive) {
    log.warn(
      { task: record.name },
      'kept a task whose shim is gone while processes of its group still run: it is not run again beside them, and its exit status will not be known',
    );
  }
  return rerunAfterLoss(record, observe(record, observed));
}
