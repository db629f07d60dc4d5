/**
 * The Pods (by uid) whose result finalizer this process has taken off, so `resultRecorded`,
 * which the controller calls on every reconcile of an execution in its cooldown, sends nothing
 * for them though the cache has not shown the removal yet: without it, a reconcile running
 * between the patch and its watch event patched again, was refused (the finalizer no longer
 * where the stale copy put it) and read the Pod live. A restarted process remembers nothing and
 * asks once more, which is what recovers a removal a crash cut short. Bounded: the oldest are
 * forgotten first, and forgetting one costs at most that one retry.
 */
export class ReleasedPods {
  readonly #uids = new Set<string>();
  readonly #capacity: number;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  has(uid: string | undefined): boolean {
    return uid !== undefined && this.#uids.has(uid);
  }

  add(uid: string | undefined): void {
    if (uid === undefined) return;
    this.#uids.delete(uid);
    this.#uids.add(uid);
    if (this.#uids.size > this.#capacity) {
      const oldest = this.#uids.values().next().value;
      if (oldest !== undefined) this.#uids.delete(oldest);
    }
  }
}
