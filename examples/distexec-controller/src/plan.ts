import { isDeepStrictEqual } from 'node:util';
import {
  describeOutcome,
  finishedEntry,
  type Outcome,
  rejectedEntry,
  runningEntry,
} from './results.js';
import type { DistExecSpec, DistExecView, NodeResult } from './spec.js';

/** What a node knows about the execution of the attempt its entry names. */
export type Observation =
  | { readonly kind: 'none' }
  | { readonly kind: 'running' }
  /** The attempt never began (Job mode: the API server refused its Job); it is begun again. */
  | { readonly kind: 'unstarted' }
  | { readonly kind: 'finished'; readonly outcome: Outcome };

/** Everything one node's next step depends on. */
export interface NodeSituation {
  readonly generation: number;
  readonly spec: DistExecView['spec'];
  /** The node exists and the DistExec's nodeSelector selects it. */
  readonly selected: boolean;
  readonly entry: NodeResult | undefined;
  /** Of the entry's attempt, when the entry is Running at the current generation. */
  readonly observation: Observation;
  /** `retries + 1`. */
  readonly maxAttempts: number;
}

/**
 * - `exclude`: the node is not (or no longer) selected; its entry goes.
 * - `reject`: the spec cannot run; recorded once per generation, nothing runs.
 * - `start`: run attempt `attempt` of the current generation (`after`: the failed attempt it retries).
 * - `wait`: the attempt is running.
 * - `finish`: the attempt ended and no retry follows; record it.
 * - `settled`: the current generation's result is recorded; nothing runs.
 */
export type NodeStep =
  | { readonly kind: 'exclude' }
  | { readonly kind: 'reject'; readonly message: string }
  | {
      readonly kind: 'start';
      readonly attempt: number;
      readonly spec: DistExecSpec;
      readonly after?: Outcome | undefined;
    }
  | { readonly kind: 'wait'; readonly attempt: number }
  | { readonly kind: 'finish'; readonly attempt: number; readonly outcome: Outcome }
  | { readonly kind: 'settled' };

/**
 * The next step of one node for one DistExec. What ran is read from the entry the node wrote
 * (`observedGeneration`, `attempts`), never from memory, so a restarted agent resumes where the
 * status says it was: a recorded generation never runs again, a spec change runs once more.
 */
export function nodeStep(situation: NodeSituation): NodeStep {
  const { entry, generation, spec } = situation;
  if (!situation.selected) return entry ? { kind: 'exclude' } : { kind: 'settled' };
  if (!entry || entry.observedGeneration !== generation) {
    return spec.valid
      ? { kind: 'start', attempt: 1, spec: spec.value }
      : { kind: 'reject', message: spec.message };
  }
  if (entry.phase !== 'Running') return { kind: 'settled' };
  const attempt = entry.attempts;
  const { observation } = situation;
  if (observation.kind === 'running') return { kind: 'wait', attempt };
  if (observation.kind === 'unstarted') {
    return spec.valid
      ? { kind: 'start', attempt, spec: spec.value }
      : { kind: 'reject', message: spec.message };
  }
  const outcome = observation.kind === 'finished' ? observation.outcome : lost(attempt);
  if (outcome.succeeded || attempt >= situation.maxAttempts) {
    return { kind: 'finish', attempt, outcome };
  }
  // A newer agent may refuse a spec an older one started; it then records the refusal.
  if (!spec.valid) return { kind: 'reject', message: spec.message };
  return { kind: 'start', attempt: attempt + 1, spec: spec.value, after: outcome };
}

/**
 * The attempt's record is gone (the agent's data directory was lost, or the Job deleted by
 * someone else): whether it ran to the end cannot be known, and it is not run again.
 */
function lost(attempt: number): Outcome {
  return {
    succeeded: false,
    reason: 'Lost',
    message: `attempt ${attempt} left no record on this node; its outcome is unknown and it is not run again`,
  };
}

/** Whether a step keeps (or needs) the node's finalizer: a command may be running. */
export function holdsFinalizer(step: NodeStep): boolean {
  return step.kind === 'start' || step.kind === 'wait';
}

/**
 * The node's entry after `step`: `undefined` to remove it, `null` when the step writes
 * nothing. `previous` is the entry the step was decided from.
 */
export function entryAfter(
  step: NodeStep,
  generation: number,
  previous: NodeResult | undefined,
  now: Date,
): NodeResult | undefined | null {
  switch (step.kind) {
    case 'exclude':
      return undefined;
    case 'reject':
      return rejectedEntry(generation, step.message, now);
    case 'start':
      return runningEntry(
        generation,
        step.attempt,
        now,
        step.after && `${describeOutcome(step.attempt - 1, step.after)}; retrying`,
      );
    case 'finish':
      return finishedEntry(generation, step.attempt, step.outcome, now, previous);
    default:
      return null;
  }
}

/**
 * Whether a step decided earlier still applies to the object as it is now: a transition is
 * written only if the live status leads to the very same step, so a decision made from a
 * lagging cache, or overtaken by a spec change, writes nothing.
 */
export function sameStep(decided: NodeStep, now: NodeStep): boolean {
  return isDeepStrictEqual(decided, now);
}
