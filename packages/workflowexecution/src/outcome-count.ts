import { objectKey } from '@roundhouse/controller';
import type { KubeObject } from '@roundhouse/kube';
import type { ExecutionOutcome, OutcomeMetrics } from './outcome-metrics.js';

/** A terminal write that threw: it may have landed all the same (see OutcomeCount). */
interface Unanswered {
  readonly uid: string | undefined;
  readonly outcome: ExecutionOutcome;
  readonly seconds: number;
}

/**
 * Counts each execution's end once in the outcome metrics. A terminal write counts when its
 * answer says it wrote. One whose answer was lost (a timeout, a reset connection, the reconcile
 * aborted) may have landed: the retry then finds the phase written and writes nothing, so the
 * end would never be counted. Such a write is remembered, and counted when the execution is
 * next seen (the watch's echo of the write wakes its reconcile) in the phase it wrote; a later
 * write of this process that lands counts instead, and forgets it. Either way once.
 */
export class OutcomeCount {
  readonly #metrics: OutcomeMetrics | undefined;
  readonly #unanswered = new Map<string, Unanswered>();

  constructor(metrics: OutcomeMetrics | undefined) {
    this.#metrics = metrics;
  }

  /**
   * Runs `write`, the write that ends `object` as `outcome` (`seconds` after it started), and
   * counts it when it wrote; resolves to what `write` did.
   */
  async write(
    object: KubeObject,
    outcome: ExecutionOutcome,
    seconds: number,
    write: () => Promise<boolean>,
  ): Promise<boolean> {
    const key = objectKey(object);
    let written: boolean;
    try {
      written = await write();
    } catch (error) {
      this.#unanswered.set(key, { uid: object.metadata?.uid, outcome, seconds });
      throw error;
    }
    // Nothing written leaves an unanswered write as it was: the retry of one that landed finds
    // the phase there already, and only seeing it (`seen`) says so.
    if (written) {
      this.#unanswered.delete(key);
      this.#metrics?.finished(outcome, seconds);
    }
    return written;
  }

  /**
   * The execution as a reconcile read it: an unanswered write of it is counted once it shows
   * the phase that write wrote, and forgotten once it shows another end (another writer's).
   * Still unended, the write may not have landed, or the copy lags it: kept.
   */
  seen(object: KubeObject): void {
    const key = objectKey(object);
    const unanswered = this.#unanswered.get(key);
    if (unanswered === undefined) return;
    if (unanswered.uid !== object.metadata?.uid) {
      this.#unanswered.delete(key);
      return;
    }
    const phase = (object.status as { phase?: unknown } | undefined)?.phase;
    if (phase !== 'Completed' && phase !== 'Failed') return;
    this.#unanswered.delete(key);
    if (phase === unanswered.outcome) this.#metrics?.finished(phase, unanswered.seconds);
  }

  /** Drops what is kept of an execution that is gone. */
  forget(key: string): void {
    this.#unanswered.delete(key);
  }
}
