/** The starts queued on one target key, and every spelling they were queued under. */
interface Turns {
  /** Settles when the last start queued here has run. */
  readonly tail: Promise<void>;
  readonly spellings: ReadonlySet<string>;
}

/**
 * Starts taking turns per target key: each runs once every start queued before it under the
 * same key has run its own. Keys come from the caller (`canonicalTarget`); when they change
 * (discovery learnt a kind), `rekey` moves every queue to its spellings' new keys, so a start
 * queued under the old key and one queued under the new still take turns.
 */
export class StartTurns {
  readonly #turns = new Map<string, Turns>();

  /**
   * Runs `start` once every start queued before it under `key` has run, or rejects with the
   * signal's reason once it is aborted while waiting. `spelling` is the target as written.
   */
  async take<T>(
    key: string,
    spelling: string,
    signal: AbortSignal,
    start: () => Promise<T>,
  ): Promise<T> {
    const before = this.#turns.get(key);
    let finished = () => {};
    const own = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const tail = (before?.tail ?? Promise.resolve()).then(() => own);
    this.#queue(key, tail, new Set([...(before?.spellings ?? []), spelling]));
    try {
      await settledOrAborted(before?.tail, signal);
      return await start();
    } finally {
      finished();
    }
  }

  /**
   * Files every queue under the new key of each of its spellings; queues that now share a key
   * are joined, so the next start there waits for all of them.
   *
   * A start already waiting in one of the joined queues keeps waiting for its own predecessor
   * only, and may run beside the other queue's starts. That takes starts queued under two
   * spellings before their kinds were joined: each spelling's first start was then already
   * running beside the other's, on a kind this process did not know (one created before
   * discovery listed its CRD, or after a failed read), so the queues were never one. Joining
   * their waiters too would have to re-chain promises already awaited, for a case where the
   * turn-taking had already not held; every start queued after the join waits for all of them.
   */
  rekey(keyOf: (spelling: string) => string): void {
    const moved = new Map<string, { tails: Promise<void>[]; spellings: Set<string> }>();
    for (const turns of this.#turns.values()) {
      for (const spelling of turns.spellings) {
        const key = keyOf(spelling);
        const joined = moved.get(key) ?? { tails: [], spellings: new Set<string>() };
        moved.set(key, joined);
        if (!joined.tails.includes(turns.tail)) joined.tails.push(turns.tail);
        joined.spellings.add(spelling);
      }
    }
    this.#turns.clear();
    for (const [key, { tails, spellings }] of moved) {
      const [only] = tails;
      const tail = tails.length === 1 && only ? only : Promise.all(tails).then(() => {});
      this.#queue(key, tail, spellings);
    }
  }

  /**
   * Files `tail` under `key`, and forgets it once every start queued so far has run, not when
   * the latest returns: one that gave up waiting returns while the start ahead of it still runs.
   */
  #queue(key: string, tail: Promise<void>, spellings: ReadonlySet<string>): void {
    const turns = { tail, spellings };
    this.#turns.set(key, turns);
    void tail.then(() => {
      if (this.#turns.get(key) === turns) this.#turns.delete(key);
    });
  }
}

/** Settles when `promise` does, or rejects with the signal's reason once it is aborted. */
function settledOrAborted(
  promise: Promise<unknown> | undefined,
  signal: AbortSignal,
): Promise<void> {
  signal.throwIfAborted();
  if (promise === undefined) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    const settle = () => {
      signal.removeEventListener('abort', abort);
      resolve();
    };
    promise.then(settle, settle);
  });
}
