/**
 * When each polled execution is next due, by the clock rather than by how often it was
 * reconciled: a reconcile woken early (by the controller's own status write, say) finds the
 * poll not yet due and leaves the interval alone, so it doubles only after a real poll.
 */
export class PollSchedule {
  readonly #entries = new Map<string, { intervalMs: number; dueAt: number }>();

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly now: () => number,
  ) {}

  /** Milliseconds until `key` is due; 0 when due, or when it has no schedule (a restart). */
  remaining(key: string): number {
    const entry = this.#entries.get(key);
    return entry ? Math.max(0, entry.dueAt - this.now()) : 0;
  }

  /** Records a poll of `key` and returns the delay to the next one: the initial interval after a start, then doubling to the maximum. */
  polled(key: string, restart = false): number {
    const previous = restart ? undefined : this.#entries.get(key)?.intervalMs;
    const intervalMs = previous === undefined ? this.initialMs : Math.min(previous * 2, this.maxMs);
    this.#entries.set(key, { intervalMs, dueAt: this.now() + intervalMs });
    return intervalMs;
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }
}
