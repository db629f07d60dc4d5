/**
 * A map whose entries expire: what AWX keeps the same from one launch to the next (a template,
 * its credentials, a credential type) is read once per `ttlMs` instead of on every launch. A
 * caller that learns an entry is wrong (AWX answered 404 or 400 using it) forgets it at once.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { readonly value: V; readonly until: number }>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  /** `ttlMs` 0 caches nothing. */
  constructor(ttlMs: number, now: () => number) {
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** The live entry for `key`, else what `load` gives, kept for `ttlMs`. */
  async get(key: string, load: () => Promise<V>): Promise<{ value: V; cached: boolean }> {
    const entry = this.#entries.get(key);
    if (entry && entry.until > this.#now()) return { value: entry.value, cached: true };
    this.#entries.delete(key);
    const value = await load();
    if (this.#ttlMs > 0) this.#entries.set(key, { value, until: this.#now() + this.#ttlMs });
    return { value, cached: false };
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }
}
