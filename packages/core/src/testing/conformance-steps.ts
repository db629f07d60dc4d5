import { expect } from 'vitest';
import { RoundhouseError } from '../errors.js';
import {
  type ExecutionResult,
  ExecutionResultSchema,
  isTerminalPhase,
} from '../execution-result.js';
import type { WorkflowExecution } from '../workflow-execution.js';
import type { ConformanceHarness } from './conformance-harness.js';

/* The steps the conformance checks are made of: reading, waiting, and the executions a check sets against one another. */

const allowedNext: Readonly<Record<ExecutionResult['phase'], readonly ExecutionResult['phase'][]>> =
  {
    Pending: ['Pending', 'Running', 'Completed', 'Failed'],
    Running: ['Running', 'Completed', 'Failed'],
    Completed: ['Completed'],
    Failed: ['Failed'],
  };

/**
 * getStatus, with the result checked against the contract's schema: a controller writes the
 * reason into a condition, where an empty one is refused, and reads the rest as typed.
 */
export async function readStatus(
  h: ConformanceHarness,
  wfe: WorkflowExecution,
): Promise<ExecutionResult | null> {
  const status = await h.executor.getStatus(wfe, h.namespace);
  if (status === null) return null;
  const checked = ExecutionResultSchema.safeParse(status);
  if (!checked.success) {
    throw new Error(`getStatus returned a malformed result: ${checked.error.message}`);
  }
  return status;
}

export function pause(h: ConformanceHarness): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, h.pollIntervalMs ?? 200));
}

/** Polls getStatus until a terminal phase, failing on a phase that moves backwards. */
export async function settle(
  h: ConformanceHarness,
  wfe: WorkflowExecution,
): Promise<ExecutionResult> {
  const deadline = Date.now() + (h.settleTimeoutMs ?? 60_000);
  let previous: ExecutionResult | null = null;
  for (;;) {
    const status = await readStatus(h, wfe);
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
    await pause(h);
  }
}

/**
 * Reads the status of an execution the harness has not finished a few times, a poll interval
 * apart: an engine that reports an end its workload never reached would have the controller
 * release the lock, and start the cooldown, while the workflow still acts on the target.
 */
export async function expectUnfinished(
  h: ConformanceHarness,
  wfe: WorkflowExecution,
): Promise<void> {
  for (let read = 0; read < 3; read += 1) {
    if (read > 0) await pause(h);
    const status = await readStatus(h, wfe);
    expect(
      status?.phase,
      'an execution whose workload the harness has not finished is Pending or Running',
    ).toMatch(/^(Pending|Running)$/);
  }
}

/** The reason of a typed error, or the value itself, so an untyped error fails a reason match. */
export function reasonOf(error: unknown): unknown {
  return error instanceof RoundhouseError ? error.reason : error;
}

/** What a call threw or rejected with, or undefined when it fulfilled. */
export async function rejection(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
    return undefined;
  } catch (error) {
    return error;
  }
}

/** Another execution, made by the harness, on the same target as `owner`. */
export function contender(h: ConformanceHarness, owner: WorkflowExecution, suffix: string) {
  return h.makeExecution({
    name: `${owner.metadata.name}-${suffix}`,
    targetResource: owner.spec.targetResource,
  });
}

/**
 * Executions that do not own `owner`'s resource though they share its target, and some of its
 * identity: executions in different namespaces may share a name, and one deleted and created
 * again has its predecessor's name and namespace; only name, namespace and uid together make
 * the owner.
 */
export function intruders(
  h: ConformanceHarness,
  owner: WorkflowExecution,
): [string, WorkflowExecution][] {
  const other = contender(h, owner, 'other');
  return [
    ['another name', other],
    [
      'the same name in another namespace',
      {
        ...other,
        metadata: {
          ...other.metadata,
          name: owner.metadata.name,
          namespace: `${owner.metadata.namespace}-other`,
        },
      },
    ],
    [
      'the same name and namespace with another uid',
      { ...owner, metadata: { ...owner.metadata, uid: `${owner.metadata.uid}-recreated` } },
    ],
  ];
}

/**
 * How often a check calls cleanup again after a retryable error before it fails. Cleanup may
 * answer one (a Conflict with a workload controller's status writes, a `finally` still running)
 * and a controller calls it again later; a check does the same, a poll interval apart.
 */
const cleanupAttempts = 5;

/** Cleans up as a controller does: a retryable error is followed by another call. */
export async function cleanUp(h: ConformanceHarness, wfe: WorkflowExecution): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await h.executor.cleanup(wfe, h.namespace);
      return;
    } catch (error) {
      if (!(error instanceof RoundhouseError && error.retryable) || attempt === cleanupAttempts) {
        throw error;
      }
    }
    await pause(h);
  }
}

/**
 * Reads getStatus until it answers null (or, for an engine whose record outlives cleanup, a
 * terminal phase): deletion or stopping may be asynchronous (finalizers, background
 * propagation, a cancel).
 */
export async function expectRemoved(h: ConformanceHarness, wfe: WorkflowExecution): Promise<void> {
  const deadline = Date.now() + (h.settleTimeoutMs ?? 60_000);
  const gone = (status: ExecutionResult | null) =>
    status === null || (h.recordOutlivesCleanup === true && isTerminalPhase(status.phase));
  while (!gone(await readStatus(h, wfe))) {
    if (Date.now() > deadline) {
      throw new Error(
        h.recordOutlivesCleanup
          ? 'the execution was not stopped after cleanup'
          : 'getStatus still not null after cleanup',
      );
    }
    await pause(h);
  }
}

/** Why the checks of `adopt` do not apply: the engine has none (it is optional). */
export function withoutAdopt(h: ConformanceHarness): string | undefined {
  return h.executor.adopt
    ? undefined
    : `the ${h.executor.engine} engine implements no adopt (optional): a controller reads the resource it finds for an execution through getStatus instead`;
}

/** Why the check of `adopt` by an older name does not apply, as `withoutAdopt`, or the harness. */
export function withoutOlderName(h: ConformanceHarness): string | undefined {
  return (
    withoutAdopt(h) ??
    (h.createUnderOlderName
      ? undefined
      : `the harness gives no createUnderOlderName, so no resource of the ${h.executor.engine} engine can be made under an older name prefix to adopt`)
  );
}

export function withResourceName(wfe: WorkflowExecution, resourceName: string): WorkflowExecution {
  return { ...wfe, status: { ...wfe.status, executionRef: { name: resourceName } } };
}
