import {
  ConfigurationError,
  type CreateOptions,
  type CreateResult,
  type ExecutionResult,
  type Executor,
  isOwnedBy,
  type LogLine,
  type LogOptions,
  type OperationOptions,
  ownerFromLabels,
  PreviousExecutionNotCleanedError,
  preparedExecution,
  ResourceLockedError,
  throwIfAborted,
  type WorkflowExecution,
} from '@roundhouse/core';
import { bundleRootProblem } from './bundle-program.js';
import { stoppedByDeletion } from './deleted-task.js';
import { type ExecutionTaskSettings, executionTask, executionTaskName } from './execution-task.js';
import type { LogStream } from './log-tail.js';
import type { TaskRequest } from './process-spec.js';
import { type LogRead, taskOutput } from './task-output.js';
import { isFinished } from './task-record.js';
import { executionResult, stderrQuoteBytes } from './task-result.js';
import type { TaskSnapshot } from './task-snapshot.js';

/** Where an engine's tasks live: a supervisor in this process, or an agent over HTTP. */
export interface TaskBackend {
  /**
   * Creates the task; `exists` with the task as the backend holds it when this very task exists
   * (a repeated create), `conflict` when the name is taken: by another task, or by this one
   * where the backend cannot tell.
   */
  create(
    task: TaskRequest,
    signal?: AbortSignal,
  ): Promise<'created' | 'conflict' | { readonly exists: TaskSnapshot }>;
  get(name: string, signal?: AbortSignal): Promise<TaskSnapshot | undefined>;
  /** Deletes the task with this name and uid; a task of another uid is left alone. */
  delete(name: string, uid: string | undefined, signal?: AbortSignal): Promise<void>;
  /**
   * A read of the task's stdout or stderr: its last `limitBytes`, or with `from` up to that
   * from the position on; undefined when there is no such task.
   */
  readLog(
    name: string,
    stream: LogStream,
    range: { readonly from?: number | undefined; readonly limitBytes: number },
    signal?: AbortSignal,
  ): Promise<LogRead | undefined>;
}

/**
 * The Executor contract over tasks, shared by the `process` and `agent` engines. The task is
 * named for the target's lock and carries its owner's labels and annotations, so a retried create adopts this
 * execution's task, another execution's task is never adopted, read or deleted, and a busy
 * target is reported as ResourceLocked (running) or PreviousExecutionNotCleaned (finished or
 * being deleted). There is no watch: controllers poll `getStatus`.
 */
export class TaskBackedExecutor implements Executor {
  readonly engine: string;
  readonly #backend: TaskBackend;
  readonly #settings: ExecutionTaskSettings;

  /** Throws ConfigurationError when `settings.bundleRoot` is not an absolute directory. */
  constructor(backend: TaskBackend, settings: ExecutionTaskSettings) {
    const problem =
      settings.bundleRoot === undefined ? undefined : bundleRootProblem(settings.bundleRoot);
    if (problem) throw new ConfigurationError({ path: 'bundleRoot', message: problem });
    this.engine = settings.engine;
    this.#backend = backend;
    this.#settings = settings;
  }

  async create(
    wfe: WorkflowExecution,
    _namespace: string,
    options: CreateOptions = {},
  ): Promise<CreateResult> {
    const { signal } = options;
    const operation = `create ${this.engine} task for ${describe(wfe)}`;
    throwIfAborted(signal, operation);
    const declared = preparedExecution(wfe, {
      declaredParameterNames: options.declaredParameterNames,
      defaultTimeout: this.#settings.defaultTimeout,
    });
    const built = executionTask(declared.wfe, options.dependencies, this.#settings);
    const { task } = built;
    const warnings = [...declared.warnings, ...built.warnings];
    throwIfAborted(signal, operation);
    // One retry covers a task that was removed between the conflict and the read.
    for (let attempt = 0; attempt < 2; attempt++) {
      const outcome = await this.#backend.create(task, signal);
      if (outcome === 'created') return { resourceName: task.name, warnings };
      if (outcome !== 'conflict') {
        // This very task, made by a create before (its answer lost, or before a restart): said
        // adopted, with its creation time as the create's answer holds it. No read after it:
        // one that failed would fail a create that succeeded.
        return { resourceName: task.name, warnings, ...adoptedTask(outcome.exists) };
      }
      const existing = await this.#backend.get(task.name, signal);
      if (!existing) continue;
      const owner = ownerFromLabels(
        existing.labels,
        this.#settings.conventions,
        existing.annotations,
      );
      if (existing.deleting) throw new PreviousExecutionNotCleanedError(task.name, owner);
      if (this.#owns(existing, wfe)) {
        return { resourceName: task.name, warnings, ...adoptedTask(existing) };
      }
      if (existing.phase === 'Pending' || existing.phase === 'Running') {
        throw new ResourceLockedError(task.name, owner);
      }
      throw new PreviousExecutionNotCleanedError(task.name, owner);
    }
    throw new ResourceLockedError(task.name, undefined);
  }

  async getStatus(
    wfe: WorkflowExecution,
    _namespace: string,
    options: OperationOptions = {},
  ): Promise<ExecutionResult | null> {
    const { signal } = options;
    throwIfAborted(signal, `get ${this.engine} task status of ${describe(wfe)}`);
    const task = await this.#owned(wfe, signal);
    // A task its deletion stops is gone, as a deleted Pod is: its SIGTERM is no verdict on the
    // workflow, and a controller that stopped it at the deadline reads why from the deadline.
    if (!task || stoppedByDeletion(task)) return null;
    const failed = task.phase === 'Failed' || task.phase === 'Unknown';
    const quoted = { limitBytes: stderrQuoteBytes };
    const stderr = failed
      ? await this.#backend.readLog(task.name, 'stderr', quoted, signal)
      : undefined;
    return executionResult(task, stderr?.content ?? '');
  }

  /**
   * This execution's output: its task's stdout, then its stderr, or with `follow` each new line
   * of both until the task has ended (see `taskOutput`). Nothing when it has no task; when the
   * signal fires the iteration ends without an error.
   */
  async *logs(
    wfe: WorkflowExecution,
    _namespace: string,
    options: LogOptions = {},
  ): AsyncGenerator<LogLine> {
    const { signal } = options;
    try {
      if (signal?.aborted) return;
      const task = await this.#owned(wfe, signal);
      if (!task) return;
      const backend = this.#backend;
      yield* taskOutput(
        task.name,
        {
          read: (stream, range, s) => backend.readLog(task.name, stream, range, s),
          ended: async (s) => {
            const now = await backend.get(task.name, s);
            return !now || now.uid !== task.uid || isFinished(now.phase);
          },
        },
        options,
      );
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    }
  }

  /** Stops and removes this execution's task; another execution's is left alone. */
  async cleanup(
    wfe: WorkflowExecution,
    _namespace: string,
    options: OperationOptions = {},
  ): Promise<void> {
    const { signal } = options;
    throwIfAborted(signal, `clean up ${this.engine} task of ${describe(wfe)}`);
    const task = await this.#owned(wfe, signal);
    if (!task || task.deleting) return;
    throwIfAborted(signal, `clean up ${this.engine} task of ${describe(wfe)}`);
    await this.#backend.delete(task.name, task.uid, signal);
  }

  async #owned(wfe: WorkflowExecution, signal: AbortSignal | undefined) {
    const task = await this.#backend.get(
      executionTaskName(wfe, this.#settings.conventions),
      signal,
    );
    return task && this.#owns(task, wfe) ? task : undefined;
  }

  #owns(task: TaskSnapshot, wfe: WorkflowExecution): boolean {
    return isOwnedBy(
      { labels: task.labels, annotations: task.annotations },
      wfe,
      this.#settings.conventions,
    );
  }
}

/**
 * What a create says of this execution's task that was there already: adopted, a `Task` (the
 * OpenSandbox agent's name for it), and when it was created where the backend says, so a
 * controller counts the execution's start from then, not from the adoption.
 */
function adoptedTask(
  task: TaskSnapshot | undefined,
): Pick<CreateResult, 'adoptedKind' | 'createdAt'> {
  return { adoptedKind: 'Task', ...(task?.createdAt ? { createdAt: task.createdAt } : {}) };
}

function describe(wfe: WorkflowExecution): string {
  return `${wfe.metadata.namespace}/${wfe.metadata.name}`;
}
