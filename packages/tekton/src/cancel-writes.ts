import type { KubeObject } from '@roundhouse/kube';

/**
 * How many cancelled runs are remembered at most. An entry goes once a copy of the run as new as
 * the write is seen, which cleanup of every cancelled run does; the bound only keeps runs whose
 * cleanup never came through this executor from piling up.
 */
const maxRemembered = 1024;

/**
 * The resourceVersions this executor's own cancel patches got back, by the run's uid. A
 * controller's cache shows a patch only once its watch event arrives, so a copy read from it
 * just after `cancel` may still lack the `spec.status` just written; `isBehind` says when a copy
 * may be such a one, so the graceful-finally decision reads the run from the API server
 * instead of deleting a run whose `finally` was asked for a moment ago.
 */
export class CancelWrites {
  readonly #versions = new Map<string, string>();

  /** Records what a cancel patch returned. */
  record(written: KubeObject): void {
    const uid = written.metadata?.uid;
    const version = written.metadata?.resourceVersion;
    if (!uid || !version) return;
    this.#versions.delete(uid);
    this.#versions.set(uid, version);
    // A Map iterates in insertion order: the first key is the oldest write.
    if (this.#versions.size > maxRemembered) {
      const [oldest] = this.#versions.keys();
      if (oldest !== undefined) this.#versions.delete(oldest);
    }
  }

  /**
   * Whether `copy` may be older than this executor's cancel write to the same run. A copy as new
   * as the write ends the entry: the reader has caught up, and later copies are newer still.
   */
  isBehind(copy: KubeObject): boolean {
    const uid = copy.metadata?.uid;
    const written = uid ? this.#versions.get(uid) : undefined;
    if (!uid || written === undefined) return false;
    if (atLeast(copy.metadata?.resourceVersion, written)) {
      this.#versions.delete(uid);
      return false;
    }
    return true;
  }

  /** Forgets the run: it is deleted. */
  forget(uid: string | undefined): void {
    if (uid) this.#versions.delete(uid);
  }
}

/**
 * Whether `version` is `written` or later. The API server's resourceVersions are etcd revisions,
 * integers that grow with every write; one of another form (not an integer) proves nothing but
 * equality, so the copy counts as behind and the run is read again.
 */
function atLeast(version: string | undefined, written: string): boolean {
  if (version === undefined) return false;
  if (version === written) return true;
  const integer = /^\d+$/;
  return integer.test(version) && integer.test(written) && BigInt(version) > BigInt(written);
}
