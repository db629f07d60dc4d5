/*
 * Over 350 lines because it is the one imperative shell of the task lifecycle: every operation
 * (create, sync, delete, reconcile, recovery, an unreadable record's deletion) goes through the
 * same per-name locks, task map, deadlines and store. The decisions already live in pure files
 * (task-lifecycle, task-recovery, hook-lifecycle, unreadable-task); splitting the shell would
 * only pass that shared state between files.
 */
import { randomUUID } from 'node:crypto';
import { ConfigurationError, type Logger, noopLogger, toFieldIssues } from '@roundhouse/core';
import type { z } from 'zod';
import { hookSettled, postStopWaitsForGroup } from './hook-lifecycle.js';
import { HookRunner } from './hook-runner.js';
import { type Launched, ProcessLauncher } from './launcher.js';
import type { LogStream } from './log-tail.js';
import { NameLocks } from './name-locks.js';
import {
  DesiredTasksSchema,
  type HookName,
  sameRequest,
  type TaskRequest,
  TaskRequestSchema,
} from './process-spec.js';
import { ProcessTable } from './process-table.js';
import { observeShim } from './shim-observation.js';
import { defaultRetainedLogBytes, type ProcessSupervisorOptions } from './supervisor-options.js';
import { TaskCgroups } from './task-cgroups.js';
import { TaskDeadlines } from './task-deadlines.js';
import { baseEnvironment } from './task-environment.js';
import { StartFailedError, TaskConflictError, TaskLimitError } from './task-errors.js';
import {
  activeAfterSync,
  beginStop,
  killDue,
  killed,
  killPending,
  newRecord,
  observe,
  removable,
  started,
  startFailed,
  timeoutDue,
} from './task-lifecycle.js';
import type { TaskLogRead } from './task-log.js';
import { taskMarkerVariable } from './task-marker.js';
import { isActive, isFinished, type ProcessIdentity, type TaskRecord } from './task-record.js';
import { type RecoverySettings, recoverTask, recoverTasks } from './task-recovery.js';
import { TaskStore } from './task-store.js';
import { maxTimerMs } from './timer-limit.js';
import { isUnreadable, processesOf } from './unreadable-task.js';

/**
 * Runs tasks as local processes and keeps their state in the data directory, so a restarted
 * supervisor re-adopts what still runs and reports what ended with its true exit code.
 *
 * A task's command runs at most once: it starts only after its shim's identity is durable,
 * and a task whose outcome cannot be known after a restart is reported `Unknown`, never
 * re-run (`rerunLostTasks` drops it instead, so that creating it again runs it again).
 * Operations on one name are serialized; different names proceed concurrently.
 */
export class ProcessSupervisor {
  readonly #store: TaskStore;
  readonly #table: ProcessTable;
  readonly #launcher: ProcessLauncher;
  readonly #cgroups: TaskCgroups;
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #graceMs: number;
  readonly #maxActive: number | undefined;
  readonly #logBytes: number;
  readonly #recovery: RecoverySettings;
  /** Deleted unreadable tasks waiting for these processes (pids, as logged). */
  readonly #waitingFor = new Map<string, string>();
  readonly #tasks = new Map<string, TaskRecord>();
  /** Uids of the tasks this supervisor has sent their stop's SIGTERM. */
  readonly #terminated = new Set<string>();
  /** New names being created: they count against the limit before their record exists. */
  readonly #creating = new Set<string>();
  readonly #locks = new NameLocks();
  /** Desired sets, applied one at a time: each is diffed against what the previous one left. */
  readonly #syncs = new NameLocks();
  readonly #hooks: HookRunner;
  readonly #deadlines = new TaskDeadlines((name) => void this.reconcile(name));
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(options: ProcessSupervisorOptions, cgroups: TaskCgroups) {
    this.#cgroups = cgroups;
    this.#store = new TaskStore(options.dataDir);
    this.#table = new ProcessTable(options.procRoot);
    this.#log = options.logger ?? noopLogger;
    this.#intervalMs = options.reconcileIntervalMs ?? 500;
    this.#graceMs = options.gracePeriodMs ?? 10_000;
    this.#maxActive = options.maxConcurrentTasks;
    this.#logBytes = options.retainedLogBytes ?? defaultRetainedLogBytes;
    if (!Number.isSafeInteger(this.#logBytes) || this.#logBytes < 1) {
      throw new ConfigurationError({
        path: 'retainedLogBytes',
        message: 'must be a whole number of bytes, at least 1',
      });
    }
    if (
      !Number.isSafeInteger(this.#intervalMs) ||
      this.#intervalMs < 1 ||
      this.#intervalMs > maxTimerMs
    ) {
      // Past the longest timer the loop's timer would fire after 1 ms: a pass without pause.
      throw new ConfigurationError({
        path: 'reconcileIntervalMs',
        message: `must be a whole number of milliseconds from 1 to ${maxTimerMs} (about 24.8 days)`,
      });
    }
    this.#recovery = { rerunLostTasks: options.rerunLostTasks ?? false };
    this.#launcher = new ProcessLauncher(this.#store, this.#table, {
      shell: options.shell ?? '/bin/sh',
      nsenter: options.nsenter ?? 'nsenter',
      mainContainerName: options.mainContainerName ?? 'main',
      defaultMode: options.sidecarMode ? 'Remote' : 'Local',
      environment: baseEnvironment(process.env, options),
      cgroups,
    });
    this.#hooks = new HookRunner(this.#store, this.#table, this.#launcher, this.#log);
  }

  /** Opens the data directory, recovers every task in it and starts the reconcile loop. */
  static async open(options: ProcessSupervisorOptions): Promise<ProcessSupervisor> {
    const cgroups = await TaskCgroups.open(options.procRoot ?? '/proc', options.logger);
    const supervisor = new ProcessSupervisor(options, cgroups);
    if (cgroups.unavailable) {
      supervisor.#log.info(
        { why: cgroups.unavailable },
        "tasks get no cgroup of their own: a process that leaves its task's process group and clears its environment outlives the task's stop",
      );
    }
    await supervisor.#recover();
    supervisor.#schedule();
    return supervisor;
  }

  get dataDir(): string {
    return this.#store.dataDir;
  }

  /**
   * Creates and starts a task. The same request again returns the existing task
   * (`created: false`); a different one for a taken name throws TaskConflictError, and one
   * past `maxConcurrentTasks` TaskLimitError. Invalid input throws ConfigurationError naming
   * each field, before anything is written.
   */
  async create(request: TaskRequest): Promise<{ task: TaskRecord; created: boolean }> {
    const parsed = parse(TaskRequestSchema, request, '');
    return this.#locks.run(parsed.name, () => this.#create(parsed, true));
  }

  get(name: string): TaskRecord | undefined {
    return this.#tasks.get(name);
  }

  list(): TaskRecord[] {
    return [...this.#tasks.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /**
   * Stops a task gracefully (SIGTERM to its process group, SIGKILL after the grace period)
   * and removes it once no process of its group is left. Returns once the deletion is durable
   * and the stop has begun; `get` returns the task, with `deletionTimestamp`, until it is gone.
   * Unknown names are fine. With `uid`, only the task with that uid is deleted.
   */
  async delete(name: string, options: { uid?: string | undefined } = {}): Promise<void> {
    // Refuses what is not a task name (ConfigurationError) before anything else happens.
    this.#store.directory(name);
    await this.#locks.run(name, async () => {
      const record = this.#tasks.get(name);
      if (!record || record.deletionTimestamp) return;
      if (options.uid !== undefined && options.uid !== record.uid) {
        throw new TaskConflictError(name, 'UidMismatch');
      }
      const deleted = { ...record, deletionTimestamp: new Date().toISOString() };
      // An unreadable record is never written over: the deletion is held in memory, and a
      // restart before it completes reports the task Unknown again, to be deleted again.
      if (isUnreadable(record)) this.#tasks.set(name, deleted);
      else await this.#save(deleted);
    });
    await this.reconcile(name);
  }

  /**
   * Makes the task set match `desired` by name: deletes the tasks not in it, creates the ones
   * that do not exist, and leaves existing names untouched even when their spec differs.
   * Validates the whole set, and that it fits `maxConcurrentTasks`, before changing anything.
   * Sets sent at once are applied one after the other, in the order they came, so the last
   * one wins. Returns every task afterwards, including those still being deleted.
   */
  async sync(desired: readonly TaskRequest[]): Promise<TaskRecord[]> {
    const tasks = parse(DesiredTasksSchema, desired, '');
    return this.#syncs.run('sync', () => this.#sync(tasks));
  }

  async #sync(tasks: readonly TaskRequest[]): Promise<TaskRecord[]> {
    const names = new Set(tasks.map((t) => t.name));
    const others = [...this.#creating].filter((n) => !names.has(n) && !this.#tasks.has(n));
    this.#admit(activeAfterSync(this.#tasks, names) + others.length);
    const stale = [...this.#tasks.keys()].filter((name) => !names.has(name));
    await Promise.all(stale.map((name) => this.delete(name)));
    await Promise.all(
      tasks.map((task) => this.#locks.run(task.name, () => this.#create(task, false))),
    );
    return this.list();
  }

  /**
   * The kept output of a task's stdout or stderr: its last `limitBytes`, or with `from` up to
   * `limitBytes` from that position on (see `readTaskLog`); undefined for an unknown task.
   */
  async logs(
    name: string,
    stream: LogStream,
    limitBytes: number,
    from?: number,
  ): Promise<TaskLogRead | undefined> {
    // Under the name's lock, so a rotation never moves the files under a read.
    return this.#locks.run(name, async () => {
      if (!this.#tasks.has(name)) return undefined;
      return this.#store.readLog(name, stream, { from, limitBytes });
    });
  }

  /** Looks at one task now, or at every task: exits, timeouts, stops and removals. */
  async reconcile(name?: string): Promise<void> {
    const names = name === undefined ? [...this.#tasks.keys()] : [name];
    await Promise.all(
      names.map((n) =>
        this.#locks
          .run(n, () => this.#reconcile(n))
          .catch((error: unknown) =>
            this.#log.error({ task: n, error: String(error) }, 'reconciling a task failed'),
          ),
      ),
    );
  }

  /** Stops the reconcile loop. Tasks keep running; a new supervisor re-adopts them. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#deadlines.close();
    await this.#syncs.idle();
    await this.#locks.idle();
  }

  async #create(
    request: TaskRequest,
    compare: boolean,
  ): Promise<{ task: TaskRecord; created: boolean }> {
    const existing = this.#tasks.get(request.name);
    if (existing) {
      if (!compare) return { task: existing, created: false };
      if (existing.deletionTimestamp) throw new TaskConflictError(request.name, 'BeingDeleted');
      if (isUnreadable(existing)) throw new TaskConflictError(request.name, 'UnreadableRecord');
      if (!sameRequest(existing, request)) {
        throw new TaskConflictError(request.name, 'DifferentSpec');
      }
      return { task: existing, created: false };
    }
    this.#admit(this.#activeCount() + 1);
    this.#creating.add(request.name);
    try {
      if (!(await this.#store.createDirectory(request.name))) {
        // A directory this supervisor does not know (its recovery could not read it then, or
        // it was made by hand): it is recovered now, as at a start, and answered as existing.
        if (await this.#adopt(request.name)) return this.#create(request, compare);
        if (!(await this.#store.createDirectory(request.name))) {
          throw new TaskConflictError(request.name, 'UnreadableRecord');
        }
      }
      const record = newRecord(request, randomUUID(), new Date());
      try {
        await this.#store.write(record);
      } catch (error) {
        await this.#store.remove(request.name).catch(() => {});
        throw error;
      }
      this.#tasks.set(record.name, record);
      await this.#startPending(record);
      return { task: this.#tasks.get(record.name) as TaskRecord, created: true };
    } finally {
      this.#creating.delete(request.name);
    }
  }

  /** Tasks active now, counting new names whose creation is under way. */
  #activeCount(): number {
    const creating = [...this.#creating].filter((name) => !this.#tasks.has(name)).length;
    return [...this.#tasks.values()].filter(isActive).length + creating;
  }

  /** Refuses a change that would leave more than `maxConcurrentTasks` tasks active. */
  #admit(activeAfter: number): void {
    if (this.#maxActive !== undefined && activeAfter > this.#maxActive) {
      throw new TaskLimitError(this.#maxActive);
    }
  }

  /** Moves a Pending task on: its preStart hook first, and once that completed its command. */
  async #startPending(record: TaskRecord): Promise<void> {
    const next = await this.#hookStep(record, 'preStart', false);
    if (next.state === 'Pending' && hookSettled(next, 'preStart')) await this.#start(next);
  }

  #hookStep(record: TaskRecord, hook: HookName, groupAlive: boolean): Promise<TaskRecord> {
    const save = (next: TaskRecord) => this.#save(next);
    return this.#hooks.step(record, hook, groupAlive, save, () => void this.reconcile(record.name));
  }

  /** Starts a Pending task: the shim is recorded before it may run the command. */
  async #start(record: TaskRecord): Promise<void> {
    let launched: Launched;
    try {
      launched = await this.#launcher.launch(record, () => void this.reconcile(record.name));
    } catch (error) {
      if (!(error instanceof StartFailedError)) throw error;
      this.#log.warn({ task: record.name, error: error.message }, 'task could not be started');
      await this.#save(startFailed(record, error.message, new Date()));
      return;
    }
    try {
      await this.#store.writePid(record.name, launched.identity.pid);
      await this.#save(started(record, launched.identity, new Date()));
    } catch (error) {
      // Still Pending on disk and in memory: the command never ran, the next pass retries.
      await launched.abort();
      throw error;
    }
    launched.release();
    this.#log.info({ task: record.name, pid: launched.identity.pid }, 'task started');
  }

  async #reconcile(name: string): Promise<void> {
    const before = this.#tasks.get(name);
    if (!before) return;
    if (isUnreadable(before)) return this.#reconcileUnreadable(before);
    if (before.runtime) await this.#rotateLogs(name);
    let record = before;
    const now = new Date();
    if (record.state === 'Running' && record.runtime) {
      record = observe(record, await observeShim(this.#store, this.#table, name, record.runtime));
      if (record.state === 'Pending') {
        // Its shim never got `go`, so the command did not run: it is Pending again, durably
        // before a new shim may be launched, and starts (once) as any Pending task.
        await this.#save(record);
        this.#log.info({ task: name }, 'task whose command never started is pending again');
      }
    }
    if (record.state === 'Pending') {
      if (!record.deletionTimestamp) {
        if (!this.#closed) await this.#startPending(record);
        return;
      }
      // Deleted before its command started: a running preStart is killed, then postStop runs.
      record = await this.#hookStep(record, 'preStart', false);
    }
    const runtime = record.runtime;
    if (timeoutDue(record, now)) record = beginStop(record, 'Timeout', now);
    const { alive: groupAlive, ownGroup } = await this.#liveness(record, runtime);
    if (record.deletionTimestamp && groupAlive) record = beginStop(record, 'Deleted', now);
    const kill = killDue(record, groupAlive, now, this.#graceMs);
    if (kill) record = killed(record, now);
    // Once per supervisor: one killed after recording the stop may never have sent it.
    const terminate =
      record.stop !== undefined &&
      record.stop.killedAt === undefined &&
      groupAlive &&
      !this.#terminated.has(record.uid);
    if (record !== before) await this.#save(record);
    // Signals go out only once the decision to send them is durable. SIGKILL goes again on
    // every pass while any of the task lives: a supervisor killed after recording it never
    // sent it, and a process may have left the group after it went.
    if (runtime && terminate) {
      // Before the SIGTERM: a command forked after it would not get it, and ends on this file.
      await this.#store.markStopping(name);
      await this.#signal(record, runtime, ownGroup, 'SIGTERM');
      this.#terminated.add(record.uid);
    }
    if (runtime && killPending(record, groupAlive)) {
      await this.#signal(record, runtime, ownGroup, 'SIGKILL', kill ? 'info' : 'debug');
    }
    if (!this.#closed) record = await this.#hookStep(record, 'postStop', groupAlive);
    if (isFinished(record.state)) await this.#cgroups.removeIfEmpty(record.uid);
    if (removable(record, groupAlive)) {
      await this.#cgroups.forget(record.uid);
      await this.#store.remove(name);
      this.#tasks.delete(name);
      this.#terminated.delete(record.uid);
      this.#deadlines.forget(name);
      this.#log.info({ task: name }, 'task removed');
    } else if (record.state !== before.state) {
      this.#log.info({ task: name, state: record.state }, 'task state changed');
    }
  }

  /**
   * Frees the name of a deleted task whose record cannot be read, once no process that may be
   * its own runs: its directory is moved aside (`<name>.corrupt-<time>`), never removed, so
   * the evidence stays. Those processes are never signalled, since nothing proves they are
   * the task's; the deletion waits for them, and says so once for each set of them.
   */
  async #reconcileUnreadable(record: TaskRecord): Promise<void> {
    const { name } = record;
    if (!record.deletionTimestamp) return;
    const processes = await processesOf(this.#store, this.#table, name);
    if (processes.length > 0) {
      const pids = processes.join(', ');
      if (this.#waitingFor.get(name) !== pids) {
        this.#waitingFor.set(name, pids);
        this.#log.warn(
          { task: name, processes },
          'the deletion of a task whose record cannot be read waits for processes that may be its own; the agent does not signal them',
        );
      }
      return;
    }
    const keptAs = await this.#store.keepAside(name, new Date());
    this.#tasks.delete(name);
    this.#waitingFor.delete(name);
    this.#deadlines.forget(name);
    this.#log.warn({ task: name, keptAs }, 'task whose record cannot be read moved aside');
  }

  /**
   * Keeps the task's output within `retainedLogBytes` (twice that at most, see task-log.ts).
   * A failure is logged, never fatal: the task's lifecycle must go on whatever its logs do.
   */
  async #rotateLogs(name: string): Promise<void> {
    try {
      await this.#store.rotateLogs(name, this.#logBytes);
    } catch (error) {
      this.#log.warn({ task: name, error: String(error) }, 'could not rotate task output');
    }
  }

  /** Takes in a task directory the supervisor does not know, as recovery would at a start. */
  async #adopt(name: string): Promise<TaskRecord | undefined> {
    const record = await recoverTask(
      this.#store,
      this.#table,
      this.#cgroups,
      this.#log,
      this.#recovery,
      name,
    );
    if (record) {
      this.#tasks.set(name, record);
      this.#deadlines.arm(record);
      this.#log.info({ task: name, state: record.state }, 'adopted a task directory');
    }
    return record;
  }

  /**
   * Whether any process of the task is alive (`alive`): of its group, or marked with its uid
   * (one that left the group, see task-marker.ts). Only asked when it matters (a stop, a
   * deletion, a lost task's postStop): it scans procfs. A Running task's shim, found alive or
   * with members of its group left, answers it without a scan.
   */
  async #liveness(record: TaskRecord, runtime: ProcessIdentity | undefined): Promise<Liveness> {
    const matters = record.stop || record.deletionTimestamp || postStopWaitsForGroup(record);
    if (!runtime || !matters) return { alive: false, ownGroup: false };
    if (record.state === 'Running') return { alive: true, ownGroup: true };
    if ((await this.#table.ownGroupMembers(runtime)).length > 0) {
      return { alive: true, ownGroup: true };
    }
    return { alive: (await this.#departed(record, runtime)).length > 0, ownGroup: false };
  }

  /**
   * The task's live processes outside its group, found by their marker or, for one that
   * cleared its environment, by the task's cgroup.
   */
  async #departed(record: TaskRecord, runtime: ProcessIdentity): Promise<number[]> {
    const [marked, contained] = await Promise.all([
      this.#table.withEnvironment(taskMarkerVariable, record.uid),
      this.#cgroups.unavailable ? [] : this.#table.inTaskCgroup(record.uid),
    ]);
    const outside = [...marked, ...contained].filter((p) => p.processGroup !== runtime.pid);
    return [...new Set(outside.map((p) => p.pid))];
  }

  /**
   * Signals the task's group while it is still the task's (`ownGroup`), and each departed
   * process by its pid. Once no process of its own is left in it, the group's number is free
   * for another process's group (another task's shim, anything), so it gets nothing then.
   */
  async #signal(
    record: TaskRecord,
    runtime: ProcessIdentity,
    ownGroup: boolean,
    signal: NodeJS.Signals,
    level: 'info' | 'debug' = 'info',
  ) {
    if (signal === 'SIGKILL') await this.#cgroups.kill(record.uid);
    const delivered = ownGroup && this.#table.signalGroup(runtime.pid, signal);
    const departed = await this.#departed(record, runtime);
    for (const pid of departed) this.#table.signalProcess(pid, signal);
    this.#log[level](
      { task: record.name, signal, delivered, ...(departed.length ? { departed } : {}) },
      'signalled task processes',
    );
  }

  async #save(record: TaskRecord): Promise<void> {
    await this.#store.write(record);
    this.#tasks.set(record.name, record);
    this.#deadlines.arm(record);
  }

  async #recover(): Promise<void> {
    const recovered = await recoverTasks(
      this.#store,
      this.#table,
      this.#cgroups,
      this.#log,
      this.#recovery,
    );
    for (const [name, record] of recovered) {
      this.#tasks.set(name, record);
      this.#deadlines.arm(record);
    }
    this.#log.info({ tasks: this.#tasks.size, dataDir: this.dataDir }, 'recovered tasks');
    await this.reconcile();
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(async () => {
      await this.reconcile();
      this.#schedule();
    }, this.#intervalMs);
    this.#timer.unref();
  }
}

/** What of a task lives: anything (`alive`), and whether that is its own process group. */
interface Liveness {
  readonly alive: boolean;
  readonly ownGroup: boolean;
}

function parse<T>(schema: z.ZodType<T>, input: unknown, prefix: string): T {
  const result = schema.safeParse(input);
  if (!result.success) throw new ConfigurationError(toFieldIssues(result.error, prefix, input));
  return result.data;
}
