/**
 * Serializes operations per name: an operation runs after every earlier one on the same name
 * has settled, while different names proceed concurrently.
 */
export class NameLocks {
  readonly #locks = new Map<string, Promise<unknown>>();

  async run<T>(name: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(name) ?? Promise.resolve();
    const current = previous.then(task, task);
    const settled = current.then(
      () => {},
      () => {},
    );
    this.#locks.set(name, settled);
    try {
      return await current;
    } finally {
      if (this.#locks.get(name) === settled) this.#locks.delete(name);
    }
  }

  /** Resolves once every operation queued so far has settled. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#locks.values()]);
  }
}
