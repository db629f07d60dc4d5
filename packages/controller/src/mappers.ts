import type { KubeObject } from '@roundhouse/kube';
import { z } from 'zod';

const OwnerReferenceSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
});

/**
 * Maps a related object to its owner's key through two labels, e.g. `workflow-execution` and
 * `source-namespace`. Works across namespaces, where owner references cannot point. Returns no
 * key when either label is missing or empty.
 */
export function mapByLabels(
  nameLabel: string,
  namespaceLabel: string,
): (obj: KubeObject) => string[] {
  return (obj) => {
    const name = obj.metadata?.labels?.[nameLabel];
    const namespace = obj.metadata?.labels?.[namespaceLabel];
    return name && namespace ? [`${namespace}/${name}`] : [];
  };
}

/**
 * Maps an object to the keys of its owners of `kind` (and, if given, API group; `''` is the core
 * group). Owner references only point within the object's namespace, so the owner's key uses
 * the object's namespace; a cluster-scoped owner of a namespaced object needs its own map.
 */
export function mapByOwnerReferences(
  kind: string,
  apiVersionGroup?: string,
): (obj: KubeObject) => string[] {
  return (obj) => {
    const namespace = obj.metadata?.namespace;
    const keys: string[] = [];
    for (const raw of obj.metadata?.ownerReferences ?? []) {
      const parsed = OwnerReferenceSchema.safeParse(raw);
      if (!parsed.success || parsed.data.kind !== kind) continue;
      if (apiVersionGroup !== undefined && groupOf(parsed.data.apiVersion) !== apiVersionGroup)
        continue;
      keys.push(namespace ? `${namespace}/${parsed.data.name}` : parsed.data.name);
    }
    return keys;
  };
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
