import {
  type Availability,
  type Conventions,
  type OperationOptions,
  roundhouseConventions,
} from '@roundhouse/core';
import type { TaskExecutorClient } from './agent-client.js';
import { TaskExecutorApiError, TaskExecutorClientError } from './agent-client-errors.js';
import { TaskBackedExecutor, type TaskBackend } from './task-backed-executor.js';
import { snapshotFromWire } from './task-snapshot.js';

export interface AgentExecutorOptions {
  /** Owner labels and the lock's name prefix; default `roundhouseConventions`. */
  readonly conventions?: Conventions | undefined;
  /** Registry key; default `agent`. */
  readonly engine?: string | undefined;
  /** Go duration for executions without `spec.executionConfig.timeout`; default none. */
  readonly defaultTimeout?: string | undefined;
  /**
   * The directory of bundles, an absolute path on the agent's machine (in the main container, for a Remote task): a bundle names a file under it
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
 * The `agent` engine: drives a remote roundhouse-task-executor (create → `POST /tasks` with the
 * lock name, getStatus → `GET /tasks/{name}`, cleanup → `DELETE /tasks/{name}?uid=`). Ownership
 * rides on the task's labels, which OpenSandbox's agent does not keep: use it with
 * roundhouse-task-executor. The agent is the lock's scope; the execution namespace is not used.
 */
export class AgentExecutor extends TaskBackedExecutor {
  readonly #client: TaskExecutorClient;

  constructor(client: TaskExecutorClient, options: AgentExecutorOptions = {}) {
    super(clientBackend(client), {
      engine: options.engine ?? 'agent',
      conventions: options.conventions ?? roundhouseConventions,
      defaultTimeout: options.defaultTimeout,
      bundleRoot: options.bundleRoot,
      allowCommandOverride: options.allowCommandOverride ?? false,
    });
    this.#client = client;
  }

  /** Unavailable, with the reason, while the agent does not answer its health check. */
  async availability(options: OperationOptions = {}): Promise<Availability> {
    try {
      await this.#client.health(options);
      return { available: true };
    } catch (error) {
      if (!(error instanceof TaskExecutorClientError)) throw error;
      return {
        available: false,
        reason: `task-executor at ${this.#client.baseUrl}: ${error.message}`,
      };
    }
  }
}

function isConflict(error: unknown): boolean {
  return error instanceof TaskExecutorApiError && error.statusCode === 409;
}

function clientBackend(client: TaskExecutorClient): TaskBackend {
  return {
    async create(task, signal) {
      try {
        await client.createTask(task, { signal });
        return 'created';
      } catch (error) {
        // The name is taken, by this execution's earlier create or another's: the engine reads
        // the task and decides by its owner.
        if (isConflict(error)) return 'conflict';
        throw error;
      }
    },
    async get(name, signal) {
      const task = await client.getTask(name, { signal });
      return task ? snapshotFromWire(task) : undefined;
    },
    async delete(name, uid, signal) {
      try {
        await client.deleteTask(name, { signal, ...(uid ? { uid } : {}) });
      } catch (error) {
        // Another task took the name since it was read: not this execution's to delete.
        if (!isConflict(error)) throw error;
      }
    },
    async readLog(name, stream, range, signal) {
      const { from, limitBytes } = range;
      const read = await client.logs(name, {
        stream,
        limitBytes,
        signal,
        ...(from === undefined ? {} : { offset: from }),
      });
      return read ?? undefined;
    },
  };
}
