/** Where a kind of object lives in the Kubernetes API; enough to build its REST paths. */
export interface ResourceType {
  /** API group; '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Lowercase plural used in URLs. */
  readonly plural: string;
  readonly namespaced: boolean;
}

/** `group/version`, or just `version` for the core group, as in an object's apiVersion. */
export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** How the garbage collector treats a deleted object's dependents. */
export type DeletionPropagation = 'Background' | 'Foreground' | 'Orphan';
