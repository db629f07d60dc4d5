import { RoundhouseError } from '@roundhouse/core';

/**
 * Why a task cannot be created or deleted as asked:
 * - `AlreadyExists`: the name exists with this very spec (a repeated create);
 * - `DifferentSpec`: the name exists with a different process or labels;
 * - `BeingDeleted`: the name exists and is being stopped and removed;
 * - `UidMismatch`: a delete's uid precondition names another task of that name;
 * - `UnreadableRecord`: the name's `task.json` cannot be read; the task is reported `Unknown`
 *   until it is deleted.
 */
export type TaskConflict =
  | 'AlreadyExists'
  | 'DifferentSpec'
  | 'BeingDeleted'
  | 'UidMismatch'
  | 'UnreadableRecord';

/** The task name is taken in a way that does not match the request. */
export class TaskConflictError extends RoundhouseError {
  readonly reason = 'TaskConflict';

  constructor(
    readonly taskName: string,
    readonly conflict: TaskConflict,
  ) {
    super(`task "${taskName}" ${conflictMessages[conflict]}`);
  }
}

const conflictMessages: Readonly<Record<TaskConflict, string>> = {
  AlreadyExists: 'already exists with this spec; read it with GET /tasks/{name}',
  DifferentSpec: 'already exists with a different spec; delete it first to change it',
  BeingDeleted: 'is being deleted; create it again once it is gone',
  UidMismatch: 'exists with a different uid than the request names',
  UnreadableRecord:
    'has a record the agent cannot read and is reported Unknown; delete it (its directory is ' +
    'kept aside as <name>.corrupt-<time>) and create it again',
};

/**
 * Creating the task would make more tasks active (pending or running, not being deleted) than
 * the supervisor's `maxConcurrentTasks`. Retryable: a task that ends or is deleted frees a slot.
 */
export class TaskLimitError extends RoundhouseError {
  readonly reason = 'TooManyTasks';
  override readonly retryable = true;

  constructor(readonly limit: number) {
    super(
      `at most ${limit} task${limit === 1 ? '' : 's'} may be active at once; ` +
        'wait for one to finish, or delete one',
    );
  }
}

/** The data directory could not be read or written (disk full, permissions). */
export class TaskStoreError extends RoundhouseError {
  readonly reason = 'TaskStoreFailed';
  override readonly retryable = true;

  constructor(operation: string, options: ErrorOptions) {
    const code = (options.cause as NodeJS.ErrnoException | undefined)?.code ?? 'UNKNOWN';
    super(`${operation} failed (${code})`, options);
  }
}

/** The task's process could not be started; the task is recorded as failed with this message. */
export class StartFailedError extends RoundhouseError {
  readonly reason = 'StartFailed';
}
