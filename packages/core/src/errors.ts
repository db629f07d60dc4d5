import { printableText } from './printable-text.js';

/**
 * Errors are values a controller can act on: every Roundhouse error carries a `reason` that is
 * safe to put in a status condition, and callers branch on `reason` or the class, never on the
 * message text.
 */
export abstract class RoundhouseError extends Error {
  abstract readonly reason: string;
  /** Whether retrying the same call later may succeed without anyone changing anything. */
  readonly retryable: boolean = false;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem with a piece of user input: where it is and what is expected there. */
export interface FieldIssue {
  /** Dotted path to the offending field, e.g. `spec.workflowRef.executionBundle`. */
  readonly path: string;
  readonly message: string;
}

/**
 * Longest ConfigurationError message. The message ends up in status conditions and Events, so
 * hostile input (thousands of bad parameter names, a huge key) must not make it unbounded;
 * `issues` keeps every one.
 */
const configurationMessageMaxLength = 1024;
/** Room kept for "; … and N more". */
const countRoom = 32;

/** Input that can never work as given; retrying without a change is pointless. */
export class ConfigurationError extends RoundhouseError {
  readonly reason = 'ConfigurationError';
  readonly issues: readonly FieldIssue[];

  constructor(issues: readonly FieldIssue[] | FieldIssue, options?: ErrorOptions) {
    const list = Array.isArray(issues) ? issues : [issues as FieldIssue];
    super(describeIssues(list), options);
    this.issues = list;
  }
}

/**
 * Every issue, or as many as fit in configurationMessageMaxLength and how many more there are.
 * A first issue too long to fit is cut short.
 */
function describeIssues(issues: readonly FieldIssue[]): string {
  // A path can hold an author's key (a parameter name), and a message quote their value: the
  // message is written where a terminal shows it, so it holds no control or invisible character.
  const lines = issues.map((i) => printableText(i.path ? `${i.path}: ${i.message}` : i.message));
  const total = lines.reduce((sum, line) => sum + line.length + 2, -2);
  if (total <= configurationMessageMaxLength) return lines.join('; ');
  const room = configurationMessageMaxLength - countRoom;
  let listed = 0;
  let text = '';
  for (const line of lines) {
    const next = listed ? `${text}; ${line}` : line;
    if (next.length > room) break;
    text = next;
    listed += 1;
  }
  if (listed === 0) {
    // Cut before a lone high surrogate too: half a character is not text.
    const cut = lines[0]?.slice(0, room - 1) ?? '';
    text = `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
    listed = 1;
  }
  const more = lines.length - listed;
  return more > 0 ? `${text}; … and ${more} more` : text;
}

/**
 * The execution names an engine nobody registered. The message is kubernaut's (its executor
 * Registry.Get): `unsupported execution engine: "argo" (registered: [ansible job tekton])`.
 */
export class UnsupportedEngineError extends RoundhouseError {
  readonly reason = 'UnsupportedEngine';

  constructor(
    readonly engine: string,
    readonly registered: readonly string[],
  ) {
    // JSON quoting, as Go's %q quotes: a control character in the name is escaped, not written.
    super(
      `unsupported execution engine: ${JSON.stringify(engine)} (registered: [${registered.join(' ')}])`,
    );
  }
}

/** An engine is registered but cannot run here now, e.g. its CRDs are not installed. */
export class EngineUnavailableError extends RoundhouseError {
  readonly reason = 'EngineUnavailable';
  override readonly retryable = true;

  constructor(
    readonly engine: string,
    readonly detail: string,
  ) {
    super(`execution engine "${engine}" is unavailable: ${detail}`);
  }
}

/** Identifies the execution that holds a lock: a WorkflowExecution unless `noun` names another. */
export interface ExecutionOwner {
  /** What the owner is, as a message names it (Conventions' `ownerNoun`). */
  readonly noun?: string | undefined;
  readonly name: string;
  readonly namespace: string;
}

/**
 * The lock for a target is held by another execution that is still running. The caller should
 * wait for it, or fail the new execution; it must not delete the resource.
 */
export class ResourceLockedError extends RoundhouseError {
  readonly reason = 'ResourceLocked';
  override readonly retryable = true;

  constructor(
    readonly resourceName: string,
    readonly owner: ExecutionOwner | undefined,
  ) {
    super(
      // "already exists", as the API server's refusal of the create says: kubernaut's callers
      // (its UT-WE-014-065) look for those words in a create refused on a busy target.
      `execution resource ${resourceName} already exists: it is held by ${describeOwner(owner)}, which is still running`,
    );
  }
}

/**
 * The lock resource of a finished execution by another owner is still present. The
 * caller decides whether to clean it up (for example after a cooldown) and retry.
 */
export class PreviousExecutionNotCleanedError extends RoundhouseError {
  readonly reason = 'PreviousExecutionNotCleaned';
  override readonly retryable = true;

  constructor(
    readonly resourceName: string,
    readonly owner: ExecutionOwner | undefined,
  ) {
    super(
      `execution resource ${resourceName} of a finished execution by ${describeOwner(owner)} ` +
        'still exists; clean it up before starting a new execution on this target',
    );
  }
}

/**
 * The execution's resource is there, made for this very execution (its name and uid), but
 * under other conventions than the caller's: a controller restarted with another
 * `--conventions` reads owner labels the resource does not carry. It is not gone, and not
 * another execution's: failing the execution as deleted, or cleaning up as if nothing were
 * there, would leave the run going and the target locked. Nothing was read into a result and
 * nothing was deleted; retrying under the same conventions cannot help, restarting under the
 * ones the resource was made under (or draining the executions before switching) does.
 */
export class ConventionsMismatchError extends RoundhouseError {
  readonly reason = 'ConventionsMismatch';

  constructor(
    /** `Kind namespace/name` of the resource, as the message names it. */
    readonly resource: string,
    /** The conventions preset the resource was made under, as `--conventions` names it. */
    readonly madeUnder: string,
    /** The caller's conventions: a preset's name, or the label prefix of custom ones. */
    readonly runningUnder: string,
  ) {
    super(
      `${resource} was made for this execution under the ${madeUnder} conventions, but this ` +
        `controller runs under the ${runningUnder} conventions: restart it with --conventions ${madeUnder} ` +
        'until the executions made under them are done and cleaned up (or drain them before ' +
        'changing conventions); nothing was read or deleted',
    );
  }
}

/**
 * The execution asks for something its controller's policy does not allow (a ServiceAccount,
 * a bundle, a dependency that did not opt in). Nothing was created; retrying without a change
 * to the execution or the policy cannot help.
 */
export class ExecutionForbiddenError extends RoundhouseError {
  readonly reason = 'Forbidden';

  constructor(
    /** The field of the WorkflowExecution that asked for it, e.g. `spec.dependencies.secrets[0]`. */
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

/**
 * The execution's deadline (`spec.timesOutAt`) passed before it could start, while it waited
 * for a cooldown or a busy target. Nothing was created: a workflow given no time at all would
 * only start a remediation it cannot finish.
 */
export class DeadlinePassedError extends RoundhouseError {
  readonly reason = 'DeadlineExceeded';
  readonly path = 'spec.timesOutAt';

  constructor(deadline: string) {
    super(`spec.timesOutAt: the deadline ${deadline} passed before the execution could start`);
  }
}

/**
 * The namespace's ResourceQuota has no room for what the engine creates (the API server's
 * `exceeded quota`): nothing was created, and the execution is not wrong, the namespace is
 * full, as the job and tekton engines report the same refusal (`ResourceExhausted`) when their
 * controllers meet it. An engine that creates pods itself throws this; the controller fails the
 * execution rather than retrying, as kubernaut fails it.
 */
export class QuotaExceededError extends RoundhouseError {
  readonly reason = 'ResourceExhausted';
}

/** The longest a `CleanupPendingError` may ask a controller to wait before it looks again. */
const maxCleanupPendingSeconds = 300;

/**
 * `cleanup` left the execution's resource in place because it is still doing something it
 * must not be cut off from (a PipelineRun's `finally` after a graceful cancel), and will remove
 * it once that ends or its own bound passes. Not a failure, and no one has to act: a controller
 * looks again after `retryAfterSeconds`, or sooner when the resource's watch wakes it, without
 * backing off further each time. An engine throws a subclass naming what it waits for.
 */
export class CleanupPendingError extends RoundhouseError {
  readonly reason: string = 'CleanupPending';
  override readonly retryable = true;

  /**
   * When to look again, in whole seconds: at least 1, so a wait is never taken for done, and at
   * most `maxCleanupPendingSeconds`, so a wait that outlives what the engine expected (or an
   * engine that passes `Infinity`) is still looked at.
   */
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = Number.isNaN(retryAfterSeconds)
      ? 1
      : Math.min(maxCleanupPendingSeconds, Math.max(1, Math.ceil(retryAfterSeconds)));
  }
}

/** The caller's AbortSignal fired before the operation finished. */
export class AbortedError extends RoundhouseError {
  readonly reason = 'Aborted';

  constructor(operation: string, options?: ErrorOptions) {
    super(`${operation} was aborted`, options);
  }
}

function describeOwner(owner: ExecutionOwner | undefined): string {
  return owner
    ? `${owner.noun ?? 'WorkflowExecution'} ${owner.namespace}/${owner.name}`
    : 'an unknown owner';
}

/** Throws AbortedError when the signal has fired; call it before each side effect. */
export function throwIfAborted(signal: AbortSignal | undefined, operation: string): void {
  if (signal?.aborted) throw new AbortedError(operation, { cause: signal.reason });
}
