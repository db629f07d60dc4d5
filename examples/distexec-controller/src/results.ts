import {
  formatKubeTime,
  maxObjectBytes,
  printableText,
  statusWriteAllowance,
  storedJsonBytes,
  storedObjectBytes,
} from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { type NodeResult, resultsOf, type Summary } from './spec.js';

/** How one attempt on one node ended. */
export interface Outcome {
  readonly succeeded: boolean;
  /** Completed, Failed, Timeout, Stopped, StartFailed, Lost, or the Job's reason. */
  readonly reason: string;
  readonly message?: string | undefined;
  readonly exitCode?: number | undefined;
  readonly stdout?: string | undefined;
  readonly stderr?: string | undefined;
  readonly outputTruncated?: boolean | undefined;
  readonly startedAt?: string | undefined;
  readonly finishedAt?: string | undefined;
}

/** The entry of a node whose attempt `attempt` of `generation` is starting. */
export function runningEntry(
  generation: number,
  attempt: number,
  now: Date,
  message?: string,
): NodeResult {
  return {
    phase: 'Running',
    ...(message ? { message } : {}),
    startedAt: formatKubeTime(now),
    attempts: attempt,
    observedGeneration: generation,
  };
}

/**
 * The entry of a node whose last attempt ended with `outcome`. Its message quotes the author's
 * text (a Job container's termination log, a program the agent could not start), read in a
 * terminal by whoever reads the DistExec: control and format characters are written as escapes,
 * its lines and tabs kept. `stdout` and `stderr` are the command's output, kept as it wrote them,
 * as `kubectl logs` shows a container's.
 */
export function finishedEntry(
  generation: number,
  attempt: number,
  outcome: Outcome,
  now: Date,
  previous?: NodeResult,
): NodeResult {
  const startedAt = outcome.startedAt ?? previous?.startedAt;
  return {
    phase: outcome.succeeded ? 'Succeeded' : 'Failed',
    reason: outcome.reason,
    ...(outcome.message ? { message: printableText(outcome.message, '\n\t') } : {}),
    ...(outcome.exitCode !== undefined ? { exitCode: outcome.exitCode } : {}),
    ...(outcome.stdout !== undefined ? { stdout: outcome.stdout } : {}),
    ...(outcome.stderr !== undefined ? { stderr: outcome.stderr } : {}),
    ...(outcome.outputTruncated ? { outputTruncated: true } : {}),
    ...(startedAt ? { startedAt } : {}),
    finishedAt: outcome.finishedAt ?? formatKubeTime(now),
    attempts: attempt,
    observedGeneration: generation,
  };
}

/** The entry of a node that refused the spec: nothing ran. */
export function rejectedEntry(generation: number, message: string, now: Date): NodeResult {
  return {
    phase: 'Failed',
    reason: 'InvalidSpec',
    message,
    finishedAt: formatKubeTime(now),
    attempts: 0,
    observedGeneration: generation,
  };
}

/** One line about a failed attempt, for the message of the attempt that retries it. */
export function describeOutcome(attempt: number, outcome: Outcome): string {
  const code = outcome.exitCode !== undefined ? ` with exit code ${outcome.exitCode}` : '';
  return `attempt ${attempt} ended ${outcome.reason}${code}`;
}

/**
 * Counts over the selected nodes: an entry counts as finished only for the current
 * generation; everything else (running, older, missing) is pending.
 */
export function summarize(
  results: Readonly<Record<string, NodeResult>>,
  generation: number,
  selectedNodes: readonly string[],
): Summary {
  let succeeded = 0;
  let failed = 0;
  for (const node of selectedNodes) {
    const entry = results[node];
    if (entry?.observedGeneration !== generation) continue;
    if (entry.phase === 'Succeeded') succeeded += 1;
    if (entry.phase === 'Failed') failed += 1;
  }
  return {
    nodes: selectedNodes.length,
    succeeded,
    failed,
    pending: selectedNodes.length - succeeded - failed,
  };
}

/**
 * `status` with each node in `changes` set to its entry (or removed, for `undefined`) and the
 * summary recomputed. Other nodes' entries, valid or not, pass through untouched: a writer
 * only ever changes the keys it names.
 */
export function withResults(
  status: unknown,
  changes: Readonly<Record<string, NodeResult | undefined>>,
  generation: number,
  selectedNodes: readonly string[],
): Record<string, unknown> {
  const current = isRecord(status) ? status : {};
  const results: Record<string, unknown> = {
    ...(isRecord(current.results) ? current.results : {}),
  };
  for (const [node, entry] of Object.entries(changes)) {
    if (entry === undefined) delete results[node];
    else results[node] = entry;
  }
  const summary = summarize(resultsOf({ results }), generation, selectedNodes);
  return { ...current, results, summary };
}

/**
 * The most bytes a DistExec may take as stored, its managedFields included (estimated, as the
 * cache holds none): etcd stores no object over 1.5 MiB, less what a status write's own
 * managedFields entry adds. Every selected node writes an entry, each with up to two output
 * tails (JSON escapes a control character in six bytes), so a command printing enough on
 * enough nodes would otherwise make every later write fail, and its node retry it for ever.
 */
export const maxDistExecBytes = maxObjectBytes - statusWriteAllowance;

/** What an entry keeps of its message once its output no longer fits. */
const compactMessageLength = 256;

const outputNotKept = `output not kept: the DistExec's status is near the most an object can hold (${maxDistExecBytes} bytes)`;

/**
 * The DistExec's size as stored with `status`. Its managedFields are always estimated from its
 * fields, whether the copy (a live read) has them or not (a cached one), so every writer
 * judges the same object the same way.
 */
function storedBytes(object: KubeObject, status: unknown): number {
  const { managedFields: _, ...metadata }: Record<string, unknown> = object.metadata ?? {};
  return storedObjectBytes({ ...object, metadata, status });
}

/** `entry` without its output and with a short message: what any number of nodes can hold. */
function compactEntry(entry: NodeResult): NodeResult {
  const { stdout, stderr, message, ...rest } = entry;
  const dropped = stdout !== undefined || stderr !== undefined;
  const cut =
    message !== undefined && message.length > compactMessageLength
      ? `${message.slice(0, compactMessageLength - 1).replace(/[\uD800-\uDBFF]$/, '')}…`
      : message;
  const text = [cut, dropped ? outputNotKept : undefined].filter(Boolean).join('; ');
  return {
    ...rest,
    ...(text ? { message: text } : {}),
    ...(dropped || entry.outputTruncated ? { outputTruncated: true } : {}),
  };
}

/**
 * `entry` as small as it can be and still say what ran: its phase, reason, exit code and
 * attempts, without output, message or times. What a node writes once even compact entries of
 * every selected node would outgrow the object (some 3,000 nodes of cloud-length names).
 */
function minimalEntry(entry: NodeResult): NodeResult {
  const { phase, reason, exitCode, attempts, observedGeneration } = entry;
  const cut = entry.stdout !== undefined || entry.stderr !== undefined || entry.outputTruncated;
  return {
    phase,
    ...(reason !== undefined ? { reason } : {}),
    ...(exitCode !== undefined ? { exitCode } : {}),
    ...(cut ? { outputTruncated: true } : {}),
    attempts,
    observedGeneration,
  };
}

/**
 * The room a node that has yet to record the current generation is counted for: the largest
 * minimal entry it may write (a Job's longest reason, a retried attempt), the least any node's
 * result needs to say what ran.
 */
function reservedEntry(generation: number): NodeResult {
  return {
    phase: 'Failed',
    reason: 'BackoffLimitExceeded',
    exitCode: 255,
    outputTruncated: true,
    attempts: 10,
    observedGeneration: generation,
  };
}

/**
 * `status` with every selected node that has not recorded `generation` yet (no entry, an
 * older one, or Running) counted for the larger of its entry now and the reserved one: no
 * smaller than the object now, nor than what it comes to once every node has written, if no
 * other node keeps more than it must.
 */
function projected(
  status: Record<string, unknown>,
  generation: number,
  selectedNodes: readonly string[],
): Record<string, unknown> {
  const recorded = resultsOf(status);
  const reserved = reservedEntry(generation);
  const reservedBytes = storedJsonBytes(reserved);
  const results = { ...(status.results as Record<string, unknown>) };
  for (const node of selectedNodes) {
    const entry = recorded[node];
    if (entry?.observedGeneration === generation && entry.phase !== 'Running') continue;
    if (storedJsonBytes(results[node] ?? null) <= reservedBytes) results[node] = reserved;
  }
  return { ...status, results };
}

/**
 * `withResults` for a writer of entries. The entries in `changes` are written whole if, with
 * them, every selected node that has yet to record the current generation can still write a
 * minimal entry within `maxDistExecBytes`; otherwise without their output and with a short
 * message (`outputTruncated` says so); otherwise minimal. Room is taken first come, first
 * served, but never the room a later node's result needs, so every write stays storable and
 * no node's write is refused for ever.
 */
export function withResultsWithin(
  object: KubeObject,
  changes: Readonly<Record<string, NodeResult | undefined>>,
  generation: number,
  selectedNodes: readonly string[],
): Record<string, unknown> {
  const shrunk = (shrink: (entry: NodeResult) => NodeResult) =>
    withResults(
      object.status,
      Object.fromEntries(
        Object.entries(changes).map(([node, entry]) => [node, entry && shrink(entry)]),
      ),
      generation,
      selectedNodes,
    );
  const fits = (status: Record<string, unknown>) =>
    storedBytes(object, projected(status, generation, selectedNodes)) <= maxDistExecBytes;
  const whole = withResults(object.status, changes, generation, selectedNodes);
  if (fits(whole)) return whole;
  const compacted = shrunk(compactEntry);
  return fits(compacted) ? compacted : shrunk(minimalEntry);
}

/** The nodes `status.results` has a key for, well-formed or not. */
export function resultNodes(status: unknown): string[] {
  return isRecord(status) && isRecord(status.results) ? Object.keys(status.results) : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
