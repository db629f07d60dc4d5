import type { Executor } from '../executor.js';
import type { WorkflowExecution } from '../workflow-execution.js';

/** What a backend supplies so the conformance checks can run against it. */
export interface ConformanceHarness {
  readonly executor: Executor;
  /** The execution namespace the executor creates resources in. */
  readonly namespace: string;
  /**
   * A new WorkflowExecution on a target no other call has used, so checks never share a lock.
   * `name` lets a check create a second execution on the same target. It needs a uid of its
   * own, as a stored one has: under the Roundhouse conventions one without a uid owns nothing.
   */
  makeExecution(options?: {
    name?: string | undefined;
    targetResource?: string | undefined;
  }): WorkflowExecution;
  /**
   * Makes the created execution succeed (e.g. sets a PipelineRun condition, lets a pod exit 0).
   * Until this or `driveToFailure` is called, the workload must not end on its own: the checks
   * first read its status three times, a poll interval apart, and require Pending or Running.
   */
  driveToSuccess(wfe: WorkflowExecution, resourceName: string): Promise<void>;
  /** Makes the created execution fail. */
  driveToFailure(wfe: WorkflowExecution, resourceName: string): Promise<void>;
  /** How long to wait for a terminal phase after driving; default 60 s. */
  readonly settleTimeoutMs?: number | undefined;
  /** How often to poll getStatus while waiting; default 200 ms. */
  readonly pollIntervalMs?: number | undefined;
  /**
   * For engines whose execution record outlives cleanup (an AWX job stays in the job history):
   * after cleanup, getStatus must then read a terminal phase instead of `null`, proving the
   * execution was stopped rather than removed.
   */
  readonly recordOutlivesCleanup?: boolean | undefined;
  /**
   * For an engine with `adopt`: creates `wfe`'s resource as the engine did under an older name
   * prefix (the same engine built with conventions whose `namePrefix` differs, as a controller
   * ran before its prefix was changed) and resolves to its name. The suite then checks that
   * `adopt` finds it by that name (`resourceName`), as a restarted controller that found it by
   * its owner asks, and that `getStatus` and `cleanup` find it by `status.executionRef`.
   * Without it that check is reported skipped.
   */
  createUnderOlderName?(wfe: WorkflowExecution): Promise<string>;
}
