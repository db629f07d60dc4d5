import { readFileSync } from 'node:fs';

/**
 * A credential file (token, certificate, key, CA) read at most once a minute rather than for
 * every request: the kubelet rotates a ServiceAccount token on disk, and certificate files are
 * renewed in place, so the content is read again once it is that old. While the content stays
 * the same the same Buffer is returned, so the connection pool sees unchanged TLS material at
 * a glance.
 */
export class RefreshingFile {
  readonly path: string;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  #content: Buffer | undefined;
  #readAt = 0;

  constructor(
    path: string,
    options: { maxAgeMs?: number | undefined; now?: (() => number) | undefined } = {},
  ) {
    this.path = path;
    this.#maxAgeMs = options.maxAgeMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The next read goes to the file whatever the content's age: what it held was refused (a
   * token the API server answered 401), and the file may hold its successor already, as
   * client-go's file token source is reset on a 401.
   */
  forget(): void {
    this.#readAt = Number.NEGATIVE_INFINITY;
  }

  read(): Buffer {
    const now = this.#now();
    if (this.#content && now - this.#readAt < this.#maxAgeMs) return this.#content;
    const content = readFileSync(this.path);
    if (!this.#content?.equals(content)) this.#content = content;
    this.#readAt = now;
    return this.#content;
  }
}
