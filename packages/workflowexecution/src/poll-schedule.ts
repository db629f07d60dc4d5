import { type ExecutionResult, ExecutionResultSchema, isTerminalPhase } from '@roundhouse/core';

/**
 * When each polled execution is next due, by the clock rather than by how often it was
 * reconciled: a reconcile woken early (by the controller's own status write, say) finds the
 * poll not yet due and leaves the interval alone, so it doubles only after a real poll. An
 * engine's `recheckAfterMs` brings the next poll forward; a poll it brought leaves the schedule
 * as it was, so hints add polls and never push a scheduled one back.
 */
export class PollSchedule {
  readonly #entries = new Map<
    string,
    { intervalMs: number; dueAt: number; hintAt?: number | undefined }
  >();

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly now: () => number,
  ) {}

  /** Milliseconds until `key` is due; 0 when due, or when it has no schedule (a restart). */
  remaining(key: string): number {
    const entry = this.#entries.get(key);
    return entry ? Math.max(0, nextAt(entry) - this.now()) : 0;
  }

  /**
   * Records a poll of `key` and returns the delay to the next one: the initial interval after a
   * start, then doubling to the maximum; sooner when `recheckAfterMs` (the engine's hint) is.
   */
  polled(key: string, restart = false, recheckAfterMs?: number | undefined): number {
    const now = this.now();
    const hintAt = recheckAfterMs === undefined ? undefined : now + recheckAfterMs;
    const previous = restart ? undefined : this.#entries.get(key);
    if (previous && now < previous.dueAt) {
      // Brought forward by a hint: the scheduled poll still comes when it was due.
      const entry = { ...previous, hintAt };
      this.#entries.set(key, entry);
      return nextAt(entry) - now;
    }
    const intervalMs =
      previous === undefined ? this.initialMs : Math.min(previous.intervalMs * 2, this.maxMs);
    const entry = { intervalMs, dueAt: now + intervalMs, hintAt };
    this.#entries.set(key, entry);
    return nextAt(entry) - now;
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }
}

function nextAt(entry: { dueAt: number; hintAt?: number | undefined }): number {
  return Math.min(entry.dueAt, entry.hintAt ?? Number.POSITIVE_INFINITY);
}

/**
 * How soon the engine asks for `result` to be read again (`recheckAfterMs`), for a result that
 * has not ended; undefined without a hint. One the contract refuses (0, negative, not a whole
 * number), from an engine whose results skip its schema, is no hint: it may neither stall the
 * execution nor have it read in a busy loop.
 */
export function recheckHint(result: ExecutionResult): number | undefined {
  if (isTerminalPhase(result.phase)) return undefined;
  const hint = ExecutionResultSchema.shape.recheckAfterMs.safeParse(result.recheckAfterMs);
  return hint.success ? hint.data : undefined;
}
