import type { KubeObject } from '@roundhouse/kube';

/** A change to the cache, as an informer reports it to its handlers. */
export type Delta<T> =
  | { readonly type: 'add'; readonly obj: T }
  | { readonly type: 'update'; readonly obj: T; readonly old: T }
  | { readonly type: 'delete'; readonly obj: T };

/**
 * The informer's cache: objects by namespace and name. Every write returns the deltas it
 * caused, so whoever applies list and watch results learns exactly which adds, updates and
 * deletes to report, and a delete is reported once: only when the object was cached.
 */
export class ObjectStore<T extends KubeObject> {
  #byNamespace = new Map<string, Map<string, T>>();

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#byNamespace.get(namespace ?? '')?.get(name);
  }

  /** Objects in `namespace`, or in every namespace when it is undefined. */
  list(namespace?: string): T[] {
    if (namespace !== undefined) return [...(this.#byNamespace.get(namespace)?.values() ?? [])];
    return [...this.#byNamespace.values()].flatMap((objects) => [...objects.values()]);
  }

  /** Stores an added or modified object. */
  upsert(obj: T): Delta<T>[] {
    const { namespace, name } = where(obj);
    return changes(this.#put(namespace, name, obj), obj);
  }

  /** Drops a deleted object; nothing to report when it was not cached. */
  remove(obj: T): Delta<T>[] {
    const { namespace, name } = where(obj);
    const objects = this.#byNamespace.get(namespace);
    if (!objects?.has(name)) return [];
    objects.delete(name);
    if (objects.size === 0) this.#byNamespace.delete(namespace);
    return [{ type: 'delete', obj }];
  }

  /**
   * Replaces everything with a fresh list. Objects missing from it were deleted while nobody
   * watched and are reported as deleted in their last known state.
   */
  replace(objects: readonly T[]): Delta<T>[] {
    const previous = this.#byNamespace;
    this.#byNamespace = new Map();
    const deltas: Delta<T>[] = [];
    for (const obj of objects) {
      const { namespace, name } = where(obj);
      const old = previous.get(namespace)?.get(name);
      previous.get(namespace)?.delete(name);
      this.#put(namespace, name, obj);
      deltas.push(...changes(old, obj));
    }
    for (const vanished of previous.values()) {
      for (const obj of vanished.values()) deltas.push({ type: 'delete', obj });
    }
    return deltas;
  }

  /** Stores `obj`, returning what it replaced. */
  #put(namespace: string, name: string, obj: T): T | undefined {
    let objects = this.#byNamespace.get(namespace);
    if (!objects) {
      objects = new Map();
      this.#byNamespace.set(namespace, objects);
    }
    const old = objects.get(name);
    objects.set(name, obj);
    return old;
  }
}

function where(obj: KubeObject): { namespace: string; name: string } {
  return { namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '' };
}

/**
 * What replacing `old` with `next` means: nothing when the resourceVersion is the same, a
 * delete and an add when the name now belongs to a new object (another uid), else an update.
 */
function changes<T extends KubeObject>(old: T | undefined, next: T): Delta<T>[] {
  if (!old) return [{ type: 'add', obj: next }];
  if (old.metadata?.uid && next.metadata?.uid && old.metadata.uid !== next.metadata.uid) {
    return [
      { type: 'delete', obj: old },
      { type: 'add', obj: next },
    ];
  }
  if (old.metadata?.resourceVersion === next.metadata?.resourceVersion) return [];
  return [{ type: 'update', obj: next, old }];
}
