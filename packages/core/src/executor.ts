import type { ExecutionResult } from './execution-result.js';
import type { Dependencies, WorkflowExecution } from './workflow-execution.js';

export interface OperationOptions {
  /** Aborts the operation; an executor checks it before every side effect. */
  readonly signal?: AbortSignal;
}

export interface CreateOptions extends OperationOptions {
  /** Secrets and ConfigMaps the workflow needs, already resolved by the caller. */
  readonly dependencies?: Dependencies;
}

export interface CreateResult {
  /** Name of the execution resource; record it in `status.executionRef.name`. */
  readonly resourceName: string;
  /** Things the user should know that did not stop the execution (e.g. API warnings). */
  readonly warnings: readonly string[];
}

export type Availability =
  | { readonly available: true }
  | { readonly available: false; readonly reason: string };

/**
 * One execution engine. Implementations must be safe to call again after a crash at any point:
 * `create` for an execution that already exists returns the existing resource, `cleanup` of
 * something already gone succeeds. Errors are `RoundhouseError`s with a `reason`.
 */
export interface Executor {
  /** Registry key, matched against `spec.executionEngine`. */
  readonly engine: string;
  /** Creates the execution resource in `namespace` (the execution namespace). */
  create(wfe: WorkflowExecution, namespace: string, options?: CreateOptions): Promise<CreateResult>;
  /** The execution's current state, or `null` when its resource no longer exists. */
  getStatus(
    wfe: WorkflowExecution,
    namespace: string,
    options?: OperationOptions,
  ): Promise<ExecutionResult | null>;
  /** Removes what `create` made for this execution; idempotent, and never touches another's. */
  cleanup(wfe: WorkflowExecution, namespace: string, options?: OperationOptions): Promise<void>;
  /** Whether the engine can run here now; engines that are always available omit it. */
  availability?(options?: OperationOptions): Promise<Availability>;
}
