import type { KubeObject } from '@roundhouse/kube';
import { isSameApartFromVersion } from './cached-object.js';

/** A change to the cache, as an informer reports it to its handlers. */
export type Delta<T> =
  | { readonly type: 'add'; readonly obj: T }
  | { readonly type: 'update'; readonly obj: T; readonly old: T }
  | {
      readonly type: 'delete';
      readonly obj: T;
      /**
       * The delete was not observed, only inferred: the object is its last state the cache held,
       * which may be older than the state it was deleted in (client-go's DeletedFinalStateUnknown).
       */
      readonly finalStateUnknown: boolean;
    };

/** Values an object is indexed under, e.g. its target; like client-go's IndexFunc. */
export type IndexFunction<T> = (obj: T) => readonly string[];

interface Index<T> {
  readonly fn: IndexFunction<T>;
  readonly byValue: Map<string, Map<string, T>>;
}

/**
 * The informer's cache: objects by namespace and name, and by any index registered. Every
 * write returns the deltas it caused, so whoever applies list and watch results learns exactly
 * which adds, updates and deletes to report, and a delete is reported once: only when the
 * object was cached.
 */
export class ObjectStore<T extends KubeObject> {
  #byNamespace = new Map<string, Map<string, T>>();
  readonly #indexes = new Map<string, Index<T>>();

  /** Indexes every object, present and future, under the values `fn` returns. */
  addIndex(name: string, fn: IndexFunction<T>): void {
    const index: Index<T> = { fn, byValue: new Map() };
    this.#indexes.set(name, index);
    for (const obj of this.list()) this.#indexOne(index, obj);
  }

  /** The objects indexed under `value` by the index `name`; empty for an unknown index. */
  byIndex(name: string, value: string): T[] {
    return [...(this.#indexes.get(name)?.byValue.get(value)?.values() ?? [])];
  }

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
    const cached = objects?.get(name);
    if (!objects || !cached) return [];
    objects.delete(name);
    this.#unindex(cached);
    if (objects.size === 0) this.#byNamespace.delete(namespace);
    return [{ type: 'delete', obj, finalStateUnknown: false }];
  }

  /**
   * Replaces everything with a fresh list. Objects missing from it were deleted while nobody
   * watched and are reported as deleted in their last known state, marked as such.
   */
  replace(objects: readonly T[]): Delta<T>[] {
    const previous = this.#byNamespace;
    this.#byNamespace = new Map();
    for (const index of this.#indexes.values()) index.byValue.clear();
    const deltas: Delta<T>[] = [];
    for (const obj of objects) {
      const { namespace, name } = where(obj);
      const old = previous.get(namespace)?.get(name);
      previous.get(namespace)?.delete(name);
      this.#put(namespace, name, obj);
      deltas.push(...changes(old, obj));
    }
    for (const vanished of previous.values()) {
      for (const obj of vanished.values())
        deltas.push({ type: 'delete', obj, finalStateUnknown: true });
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
    if (old) this.#unindex(old);
    for (const index of this.#indexes.values()) this.#indexOne(index, obj);
    return old;
  }

  #indexOne(index: Index<T>, obj: T): void {
    const key = keyOf(obj);
    for (const value of index.fn(obj)) {
      let objects = index.byValue.get(value);
      if (!objects) {
        objects = new Map();
        index.byValue.set(value, objects);
      }
      objects.set(key, obj);
    }
  }

  #unindex(obj: T): void {
    const key = keyOf(obj);
    for (const index of this.#indexes.values()) {
      for (const value of index.fn(obj)) {
        const objects = index.byValue.get(value);
        objects?.delete(key);
        if (objects?.size === 0) index.byValue.delete(value);
      }
    }
  }
}

function keyOf(obj: KubeObject): string {
  const { namespace, name } = where(obj);
  return `${namespace}/${name}`;
}

function where(obj: KubeObject): { namespace: string; name: string } {
  return { namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '' };
}

/**
 * What replacing `old` with `next` means: nothing when the resourceVersion is the same or is all
 * that changed (after the cache's transform), a delete and an add when the name now belongs to
 * a new object (another uid), else an update. The old object's delete was never seen, so what
 * it last looked like is unknown.
 */
function changes<T extends KubeObject>(old: T | undefined, next: T): Delta<T>[] {
  if (!old) return [{ type: 'add', obj: next }];
  if (old.metadata?.uid && next.metadata?.uid && old.metadata.uid !== next.metadata.uid) {
    return [
      { type: 'delete', obj: old, finalStateUnknown: true },
      { type: 'add', obj: next },
    ];
  }
  if (old.metadata?.resourceVersion === next.metadata?.resourceVersion) return [];
  if (isSameApartFromVersion(old, next)) return [];
  return [{ type: 'update', obj: next, old }];
}
