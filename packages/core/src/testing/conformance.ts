import { describe, expect, it } from 'vitest';
import { AbortedError, RoundhouseError } from '../errors.js';
import { type ExecutionResult, isTerminalPhase } from '../execution-result.js';
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
  /** Makes the created execution succeed (e.g. sets a PipelineRun condition, lets a pod exit 0). */
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
}

const allowedNext: Readonly<Record<ExecutionResult['phase'], readonly ExecutionResult['phase'][]>> =
  {
    Pending: ['Pending', 'Running', 'Completed', 'Failed'],
    Running: ['Running', 'Completed', 'Failed'],
    Completed: ['Completed'],
    Failed: ['Failed'],
  };

/** Polls getStatus until a terminal phase, failing on a phase that moves backwards. */
async function settle(h: ConformanceHarness, wfe: WorkflowExecution): Promise<ExecutionResult> {
  const deadline = Date.now() + (h.settleTimeoutMs ?? 60_000);
  let previous: ExecutionResult | null = null;
  for (;;) {
    const status = await h.executor.getStatus(wfe, h.namespace);
    if (status === null) throw new Error('getStatus returned null for an execution that exists');
    if (previous && !allowedNext[previous.phase].includes(status.phase)) {
      throw new Error(`phase moved backwards: ${previous.phase} -> ${status.phase}`);
    }
    previous = status;
    if (isTerminalPhase(status.phase)) return status;
    if (Date.now() > deadline) {
      throw new Error(
        `no terminal phase within the timeout; last: ${status.phase} ${status.reason}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, h.pollIntervalMs ?? 200));
  }
}

function withResourceName(wfe: WorkflowExecution, resourceName: string): WorkflowExecution {
  return { ...wfe, status: { ...wfe.status, executionRef: { name: resourceName } } };
}

/**
 * The checks every Executor must pass, as plain async functions so a backend author can also
 * call one directly. Each throws on a violation.
 */
export const conformanceChecks = {
  async createIsIdempotent(h: ConformanceHarness): Promise<void> {
    const wfe = h.makeExecution();
    const first = await h.executor.create(wfe, h.namespace);
    const second = await h.executor.create(wfe, h.namespace);
    expect(second.resourceName, 'a retried create returns the same resource').toBe(
      first.resourceName,
    );
    await h.executor.cleanup(withResourceName(wfe, first.resourceName), h.namespace);
  },

  async statusWalksToCompleted(h: ConformanceHarness): Promise<void> {
    const created = h.makeExecution();
    const { resourceName } = await h.executor.create(created, h.namespace);
    const wfe = withResourceName(created, resourceName);
    const initial = await h.executor.getStatus(wfe, h.namespace);
    expect(initial?.phase, 'a new execution is Pending or Running').toMatch(/^(Pending|Running)$/);
    await h.driveToSuccess(wfe, resourceName);
    const final = await settle(h, wfe);
    expect(final.phase).toBe('Completed');
    expect(final.summary.status).toBe('True');
    await h.executor.cleanup(wfe, h.namespace);
  },

  async statusWalksToFailed(h: ConformanceHarness): Promise<void> {
    const created = h.makeExecution();
    const { resourceName } = await h.executor.create(created, h.namespace);
    const wfe = withResourceName(created, resourceName);
    await h.driveToFailure(wfe, resourceName);
    const final = await settle(h, wfe);
    expect(final.phase).toBe('Failed');
    expect(final.reason, 'a failure carries a reason').not.toBe('');
    expect(final.summary.status).toBe('False');
    await h.executor.cleanup(wfe, h.namespace);
  },

  async statusIsNullWhenNeverCreated(h: ConformanceHarness): Promise<void> {
    expect(await h.executor.getStatus(h.makeExecution(), h.namespace)).toBeNull();
  },

  async cleanupRemovesAndIsIdempotent(h: ConformanceHarness): Promise<void> {
    const created = h.makeExecution();
    const { resourceName } = await h.executor.create(created, h.namespace);
    const wfe = withResourceName(created, resourceName);
    await h.executor.cleanup(wfe, h.namespace);
    await h.executor.cleanup(wfe, h.namespace);
    const deadline = Date.now() + (h.settleTimeoutMs ?? 60_000);
    const gone = (status: ExecutionResult | null) =>
      status === null || (h.recordOutlivesCleanup === true && isTerminalPhase(status.phase));
    // Deletion or stopping may be asynchronous (finalizers, background propagation, a cancel).
    while (!gone(await h.executor.getStatus(wfe, h.namespace))) {
      if (Date.now() > deadline) {
        throw new Error(
          h.recordOutlivesCleanup
            ? 'the execution was not stopped after cleanup'
            : 'getStatus still not null after cleanup',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, h.pollIntervalMs ?? 200));
    }
  },

  async cleanupLeavesAnotherOwnersResource(h: ConformanceHarness): Promise<void> {
    const owner = h.makeExecution();
    const { resourceName } = await h.executor.create(owner, h.namespace);
    const ownerWithRef = withResourceName(owner, resourceName);
    const intruder = withResourceName(
      h.makeExecution({
        name: `${owner.metadata.name}-other`,
        targetResource: owner.spec.targetResource,
      }),
      resourceName,
    );
    await h.executor.cleanup(intruder, h.namespace);
    expect(
      await h.executor.getStatus(ownerWithRef, h.namespace),
      "cleanup by another WorkflowExecution must not delete the owner's resource",
    ).not.toBeNull();
    await h.executor.cleanup(ownerWithRef, h.namespace);
  },

  async createRefusesATargetAnotherHolds(h: ConformanceHarness): Promise<void> {
    const owner = h.makeExecution();
    const { resourceName } = await h.executor.create(owner, h.namespace);
    const second = h.makeExecution({
      name: `${owner.metadata.name}-second`,
      targetResource: owner.spec.targetResource,
    });
    // The lock is the promise that a target is never worked on twice at once.
    const refused = await h.executor.create(second, h.namespace).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(
      refused instanceof RoundhouseError ? refused.reason : refused,
      'a create for a target another running execution holds must fail with ResourceLocked',
    ).toBe('ResourceLocked');
    expect(
      await h.executor.getStatus(withResourceName(owner, resourceName), h.namespace),
      "a refused create must leave the holder's execution in place",
    ).not.toBeNull();
    await h.executor.cleanup(withResourceName(owner, resourceName), h.namespace);
  },

  async abortedSignalIsHonoured(h: ConformanceHarness): Promise<void> {
    const wfe = h.makeExecution();
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    await expect(
      h.executor.create(wfe, h.namespace, { signal: controller.signal }),
    ).rejects.toBeInstanceOf(AbortedError);
    expect(
      await h.executor.getStatus(wfe, h.namespace),
      'an aborted create creates nothing',
    ).toBeNull();
  },
} satisfies Record<string, (h: ConformanceHarness) => Promise<void>>;

/**
 * Registers the conformance suite in the current vitest file. `harness` is called inside each
 * test (after your beforeAll hooks), so it may read state those hooks prepared.
 */
export function describeExecutorConformance(
  name: string,
  harness: () => ConformanceHarness | Promise<ConformanceHarness>,
  options: { timeoutMs?: number | undefined } = {},
): void {
  describe(`${name} conforms to the Executor contract`, () => {
    for (const [check, run] of Object.entries(conformanceChecks)) {
      it(check, async () => run(await harness()), options.timeoutMs ?? 120_000);
    }
  });
}
