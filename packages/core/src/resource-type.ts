/**
 * The key of the member that carries a resource's object type; declared only, so it exists for
 * the compiler alone and no object ever has it.
 */
declare const objectType: unique symbol;

/** Where a kind of object lives in the Kubernetes API; enough to build its REST paths. */
export interface ResourceLocation {
  /** API group; '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Lowercase plural used in URLs. */
  readonly plural: string;
  readonly namespaced: boolean;
}

/**
 * Where a kind of object lives, and with `T` the type of its objects, so a client's reads and
 * writes of the resource infer it (as client-go's typed clients do) and a read of one kind as
 * an unrelated one does not compile. Without `T` it is the location alone, as before resources
 * carried a type.
 *
 * `T` rides on an optional method that no object has. A method, because its parameter is
 * compared both ways: a resource passes where one of wider or narrower objects is taken (a
 * `ResourceType<Widget>` where a `ResourceType<KubeObject>` is, and back, so a type argument
 * that widens or narrows what a resource holds still compiles) and not where one of unrelated
 * objects is; a property would refuse the narrowing, a function-typed one the widening. An
 * untyped resource has no such member at all, rather than one of `unknown`: it passes wherever
 * a typed one is taken, and leaves a call nothing to infer from (see `ResourceOf` in
 * `@roundhouse/kube`), so a write still takes its type from its body and a generic caller's
 * read from what it returns into, as before.
 */
export type ResourceType<T = unknown> = ResourceLocation &
  (unknown extends T ? object : { [objectType]?(object: T): void });

/** `group/version`, or just `version` for the core group, as in an object's apiVersion. */
export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** How the garbage collector treats a deleted object's dependents. */
export type DeletionPropagation = 'Background' | 'Foreground' | 'Orphan';
