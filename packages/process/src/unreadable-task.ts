import type { ProcessTable } from './process-table.js';
import type { TaskRecord } from './task-record.js';
import type { TaskStore } from './task-store.js';

/**
 * What is left of a task whose `task.json` cannot be read (a disk error, a hand edit, a file
 * system that lost the rename): its directory, its `pid` and `exit` files, and processes that
 * may still be its own.
 */
export interface UnreadableFacts {
  /** What is wrong with the record: `task.json is not valid JSON`, ... */
  readonly problem: string;
  /** The task directory's inode and birth: what tells it from a later directory of the name. */
  readonly directory: { readonly inode: number; readonly createdAt: Date };
  /** The command's exit status, when its shim wrote one. */
  readonly exit?: { readonly code: number; readonly at: Date } | undefined;
  /** Live processes that may be the task's (see {@link processesOf}); empty when none. */
  readonly processes: readonly number[];
}

/**
 * The task the agent reports for an unreadable record: `Unknown`, reason `UnreadableRecord`,
 * and a message that says what is wrong, what is known, and what to do. Its spec is lost, so it
 * is never started or run again; a deletion moves its directory aside instead of removing it
 * (see the supervisor). The record is held in memory only: writing it would replace the
 * evidence, and the next start finds the same unreadable file and says the same again.
 */
export function unreadableRecord(name: string, facts: UnreadableFacts): TaskRecord {
  const parts = [
    `${facts.problem}: the task's spec and outcome are lost, so the agent reports it Unknown and never runs it again`,
  ];
  if (facts.exit) {
    parts.push(`its command exited with code ${facts.exit.code} at ${facts.exit.at.toISOString()}`);
  }
  if (facts.processes.length > 0) {
    parts.push(
      `processes that may be the task's still run (pids ${facts.processes.join(', ')}); ` +
        'the agent signals no process it cannot identify, so a deletion waits until they have ended',
    );
  }
  parts.push(
    `delete the task to keep its directory aside as ${name}.corrupt-<time> and free the name`,
  );
  return {
    version: 1,
    name,
    uid: `unreadable-${facts.directory.inode}-${facts.directory.createdAt.getTime()}`,
    // Never launched, compared or answered: the spec is what was lost.
    process: { command: [] },
    createdAt: facts.directory.createdAt.toISOString(),
    state: 'Unknown',
    reason: 'UnreadableRecord',
    message: parts.join('; '),
  };
}

/** Whether a record stands for an unreadable `task.json` (see {@link unreadableRecord}). */
export function isUnreadable(record: TaskRecord): boolean {
  return record.reason === 'UnreadableRecord';
}

/**
 * Live processes that may be the task's, found without its record: a shim whose exit file is
 * in the task's directory (the command's or a hook's, still supervising), and the members of
 * the process group numbered as the `pid` file says (the command and its children, when only
 * the shim is gone). A group is left out when its `pid` file was written before this boot.
 * The group's number may have been reused by now, so these processes *may* be the task's:
 * enough to keep from running it again or freeing its name, never enough to signal them.
 */
export async function processesOf(
  store: TaskStore,
  table: ProcessTable,
  name: string,
): Promise<number[]> {
  const shims = await table.shimsIn(store.directory(name));
  const pid = await store.readPid(name);
  // Without a boot time every group counts: a process kept for nothing beats one run twice.
  const boot = await table.bootTime().catch(() => new Date(0));
  const group =
    pid && pid.at.getTime() >= boot.getTime() - 1000 ? await table.groupMembers(pid.pid) : [];
  return [...new Set([...shims, ...group])].sort((a, b) => a - b);
}

/** Everything {@link unreadableRecord} says about a task whose record cannot be read. */
export async function unreadableFacts(
  store: TaskStore,
  table: ProcessTable,
  name: string,
  problem: string,
): Promise<UnreadableFacts> {
  const [directory, exit, processes] = await Promise.all([
    store.directoryInfo(name),
    store.readExit(name).catch(() => undefined),
    processesOf(store, table, name),
  ]);
  return { problem, directory, exit, processes };
}
