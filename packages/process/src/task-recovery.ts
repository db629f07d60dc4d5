import type { Logger } from '@roundhouse/core';
import type { ProcessTable } from './process-table.js';
import { observeShim } from './shim-observation.js';
import { TaskStoreError } from './task-errors.js';
import { observe, rerunAfterLoss } from './task-lifecycle.js';
import type { TaskRecord } from './task-record.js';
import type { TaskStore } from './task-store.js';

export interface RecoverySettings {
  /** Drop a task whose outcome was lost, so that it is created and run again. */
  readonly rerunLostTasks: boolean;
}

/**
 * Reads every task a previous supervisor left in the data directory. A directory without a
 * record (a create stopped before its first record, so nothing ran) is removed; an unreadable
 * record is skipped with a warning and keeps its name taken. With `rerunLostTasks`, a task
 * whose outcome was lost while nothing watched it is removed as OpenSandbox's recoverTasks
 * removes it, so the next create of its name runs it again: at least once.
 */
export async function recoverTasks(
  store: TaskStore,
  table: ProcessTable,
  log: Logger,
  settings: RecoverySettings,
): Promise<Map<string, TaskRecord>> {
  await store.init();
  const tasks = new Map<string, TaskRecord>();
  for (const name of await store.list()) {
    try {
      const record = await recoverTask(store, table, log, settings, name);
      if (record) tasks.set(name, record);
    } catch (error) {
      // One entry the agent cannot read (a record that is a directory, a file it may not
      // open) must not keep every other task from being recovered.
      if (!(error instanceof TaskStoreError)) throw error;
      log.warn(
        { task: name, error: error.message },
        'skipping a task directory that cannot be read',
      );
    }
  }
  return tasks;
}

/** The record to keep from one task directory, or undefined when it is removed or skipped. */
async function recoverTask(
  store: TaskStore,
  table: ProcessTable,
  log: Logger,
  settings: RecoverySettings,
  name: string,
): Promise<TaskRecord | undefined> {
  const stored = await store.read(name);
  if (stored.kind === 'missing') {
    await store.remove(name);
  } else if (stored.kind === 'unreadable') {
    log.warn({ task: name }, 'skipping a task directory without a readable record');
  } else if (settings.rerunLostTasks && (await lost(store, table, log, stored.record))) {
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
  const recovered = observe(record, await observeShim(store, table, record.name, runtime));
  // procfs is scanned only for a task whose shim is gone without a status.
  const groupAlive =
    recovered.state === 'Unknown' && (await table.ownGroupMembers(runtime)).length > 0;
  if (groupAlive) {
    log.warn(
      { task: record.name },
      'kept a task whose outcome was lost: processes of its group still run, so it is not run again beside them',
    );
  }
  return rerunAfterLoss(record, recovered, groupAlive);
}
