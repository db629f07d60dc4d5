import { type Conventions, roundhouseConventions } from '@roundhouse/core';
import type { ProcessSupervisor } from './supervisor.js';
import { TaskBackedExecutor, type TaskBackend } from './task-backed-executor.js';
import { TaskConflictError } from './task-errors.js';
import { snapshotFromRecord } from './task-snapshot.js';

export interface ProcessExecutorOptions {
  /** Owner labels and the lock's name prefix; default `roundhouseConventions`. */
  readonly conventions?: Conventions | undefined;
  /** Registry key; default `process`. */
  readonly engine?: string | undefined;
  /** Go duration for executions without `spec.executionConfig.timeout`; default none. */
  readonly defaultTimeout?: string | undefined;
  /**
   * The directory of bundles, an absolute path on this machine: a bundle names a file under it
   * (`team/restart` runs `<bundleRoot>/team/restart`), and nothing else runs. Default none: a
   * bundle is a program name on PATH, and one with a `/` is a ConfigurationError.
   */
  readonly bundleRoot?: string | undefined;
  /**
   * Run `engineConfig.command`, `engineConfig.args` and `engineConfig.lifecycle`, which decide
   * what runs past the controller's bundle policy, and let `engineConfig.execMode` pick the
   * container; default false: they are a ConfigurationError.
   */
  readonly allowCommandOverride?: boolean | undefined;
}

/**
 * The `process` engine: runs each execution as a local process under a ProcessSupervisor in
 * this process, so a WorkflowExecution runs with no cluster at all. The data directory is the
 * lock's scope; the execution namespace is not used.
 */
export class ProcessExecutor extends TaskBackedExecutor {
  constructor(supervisor: ProcessSupervisor, options: ProcessExecutorOptions = {}) {
    super(supervisorBackend(supervisor), {
      engine: options.engine ?? 'process',
      conventions: options.conventions ?? roundhouseConventions,
      defaultTimeout: options.defaultTimeout,
      bundleRoot: options.bundleRoot,
      allowCommandOverride: options.allowCommandOverride ?? false,
    });
  }
}

function supervisorBackend(supervisor: ProcessSupervisor): TaskBackend {
  return {
    async create(task) {
      try {
        const { task: record, created } = await supervisor.create(task);
        return created ? 'created' : { exists: snapshotFromRecord(record) };
      } catch (error) {
        if (error instanceof TaskConflictError) return 'conflict';
        throw error;
      }
    },
    async get(name) {
      const record = supervisor.get(name);
      return record ? snapshotFromRecord(record) : undefined;
    },
    async delete(name, uid) {
      try {
        await supervisor.delete(name, uid === undefined ? {} : { uid });
      } catch (error) {
        // Another task took the name since it was read: not this execution's to delete.
        if (!(error instanceof TaskConflictError)) throw error;
      }
    },
    readLog(name, stream, range) {
      return supervisor.logs(name, stream, range.limitBytes, range.from);
    },
  };
}
