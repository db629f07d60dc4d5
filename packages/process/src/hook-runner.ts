import type { Logger } from '@roundhouse/core';
import {
  hookDue,
  hookFinished,
  hookKillDue,
  hookKilled,
  hookLaunched,
  hookNotStarted,
  hookRun,
  hookSpec,
  hookStartFailed,
} from './hook-lifecycle.js';
import type { Launched, ProcessLauncher } from './launcher.js';
import type { HookName } from './process-spec.js';
import type { ProcessTable } from './process-table.js';
import { StartFailedError } from './task-errors.js';
import type { TaskRecord } from './task-record.js';
import type { TaskStore } from './task-store.js';

/**
 * Moves one lifecycle hook of a task along: launches it when due, kills its process group past
 * its timeout, and records its end. Every decision is durable before it is acted on, in the
 * order the command's are: the run before the hook may start, the kill before SIGKILL.
 */
export class HookRunner {
  constructor(
    private readonly store: TaskStore,
    private readonly table: ProcessTable,
    private readonly launcher: ProcessLauncher,
    private readonly log: Logger,
  ) {}

  /** The record after one step; `save` makes a record durable and current. */
  async step(
    record: TaskRecord,
    hook: HookName,
    groupAlive: boolean,
    save: (record: TaskRecord) => Promise<void>,
    onExit: () => void,
  ): Promise<TaskRecord> {
    const spec = hookSpec(record, hook);
    const run = hookRun(record, hook);
    const now = new Date();
    if (!spec) return record;
    if (!run) {
      if (!hookDue(record, hook, groupAlive)) return record;
      let launched: Launched;
      try {
        launched = await this.launcher.launchHook(record, hook, spec, onExit);
      } catch (error) {
        if (!(error instanceof StartFailedError)) throw error;
        const next = hookStartFailed(record, hook, `could not be started: ${error.message}`, now);
        await save(next);
        return next;
      }
      const next = hookLaunched(record, hook, launched.identity, now);
      try {
        await save(next);
      } catch (error) {
        await launched.abort();
        throw error;
      }
      launched.release();
      this.log.info({ task: record.name, hook, pid: launched.identity.pid }, 'hook started');
      return next;
    }
    if (run.reason || !run.runtime) return record;
    let outcome = await this.store.readShimOutcome(record.name, hook);
    const alive = outcome?.kind !== 'exited' && (await this.table.isAlive(run.runtime));
    if (outcome?.kind !== 'exited' && !alive) {
      outcome = await this.store.readShimOutcome(record.name, hook);
    }
    if (!alive && outcome?.kind === 'neverStarted' && outcome.shimPid === run.runtime.pid) {
      // Its shim never got `go`: the hook did not run, and is launched again if still due.
      const next = hookNotStarted(record, hook);
      await save(next);
      this.log.info({ task: record.name, hook }, 'hook whose shim never started it is due again');
      return this.step(next, hook, groupAlive, save, onExit);
    }
    const exit = outcome?.kind === 'exited' ? outcome : undefined;
    if (exit || !alive) {
      const output = await this.store.readHookOutput(record.name, hook);
      const next = hookFinished(record, hook, { exit, output }, now);
      await save(next);
      this.log.info(
        { task: record.name, hook, outcome: hookRun(next, hook)?.reason },
        'hook ended',
      );
      return next;
    }
    if (run.killedAt) {
      // Again on every pass until its shim is gone: a supervisor killed after recording the
      // kill never sent it.
      this.table.signalGroup(run.runtime.pid, 'SIGKILL');
      return record;
    }
    const cause = hookKillDue(record, hook, now);
    if (!cause) return record;
    const next = hookKilled(record, hook, cause, now);
    await save(next);
    const delivered = this.table.signalGroup(run.runtime.pid, 'SIGKILL');
    this.log.info({ task: record.name, hook, cause, delivered }, 'killed hook process group');
    return next;
  }
}
