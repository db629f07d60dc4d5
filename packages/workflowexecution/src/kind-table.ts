import { RoundhouseError } from '@roundhouse/core';
import { z } from 'zod';

/**
 * What the kind table reads of aggregated discovery (an APIGroupDiscoveryList, the answer of
 * `/api` and `/apis`): each group's resources, with the kind each one serves. The core group's
 * document has no metadata name at all. Subresources are listed inside their resource, not as
 * resources, so none is taken for a kind.
 */
const ResourceSchema = z.object({
  resource: z.string(),
  responseKind: z.object({ kind: z.string() }).nullish(),
  scope: z.string().optional(),
  singularResource: z.string().optional(),
  shortNames: z.array(z.string()).nullish(),
});

/**
 * The versions `KubeClient.discoverApiResources` asks for: `v2` (API servers 1.30 on) and
 * `v2beta1` (1.27 to 1.29), whose resources carry the same fields. A document that names no
 * version is read as one of them.
 */
const DiscoveryListSchema = z.object({
  apiVersion: z.enum(['apidiscovery.k8s.io/v2', 'apidiscovery.k8s.io/v2beta1']).optional(),
  kind: z.literal('APIGroupDiscoveryList'),
  items: z
    .array(
      z.object({
        versions: z.array(z.object({ resources: z.array(ResourceSchema).nullish() })).nullish(),
      }),
    )
    .nullish(),
});

type DiscoveredResource = z.infer<typeof ResourceSchema>;

/** A discovery answer that is no aggregated discovery document. */
export class DiscoveryUnreadableError extends RoundhouseError {
  readonly reason = 'DiscoveryUnreadable';
}

/** The kinds a cluster serves, as the cooldown and the lock check compare targets. */
export interface KindTable {
  /**
   * Every name kubectl takes for a kind (kind, plural, singular, short names), in lower case,
   * to the kind's key.
   */
  readonly kindOf: ReadonlyMap<string, string>;
  /** The keys of the cluster-scoped kinds. */
  readonly clusterScoped: ReadonlySet<string>;
}

/**
 * The kind table of a cluster's aggregated discovery documents (those of `/api` and `/apis`):
 * every name of a kind, in every group and version, leads to one key, the kind in lower case.
 *
 * Where one name belongs to two kinds (two CRDs with the short name `ro`, a CRD whose short
 * name is a built-in plural, metrics.k8s.io's `pods` of kind PodMetrics), kubectl picks one: a
 * full name before a short name, then the first group in discovery's priority order, warning
 * that the short name "could also match lower priority resource". A lock must not bet on
 * which: the same kubectl on another version, or another client, may pick the other. So the
 * kinds are joined: every name of both leads to one key (the first of their kinds in
 * alphabetical order), and a target spelled by one waits for a target of the same name spelled
 * by the other. Joined kinds of which one is cluster-scoped are cluster-scoped together, for the
 * same reason: a namespace written before the ambiguous name may be one kubectl ignores.
 *
 * Throws DiscoveryUnreadableError when a document is not an APIGroupDiscoveryList (an API
 * server that does not serve aggregated discovery answers with an APIGroupList).
 */
export function kindTableOf(documents: readonly unknown[]): KindTable {
  const kindsOf = new Map<string, Set<string>>();
  const clusterKinds = new Set<string>();
  for (const resource of documents.flatMap(resourcesOf)) {
    const kind = resource.responseKind?.kind.toLowerCase();
    if (!kind) continue;
    const names = [
      kind,
      resource.resource,
      resource.singularResource,
      ...(resource.shortNames ?? []),
    ];
    for (const name of names) {
      if (!name) continue;
      const lower = name.toLowerCase();
      const kinds = kindsOf.get(lower) ?? new Set<string>();
      kindsOf.set(lower, kinds.add(kind));
    }
    if (resource.scope === 'Cluster') clusterKinds.add(kind);
  }
  const joined = new JoinedKinds();
  for (const kinds of kindsOf.values()) joined.join(kinds);
  const kindOf = new Map<string, string>();
  for (const [name, kinds] of kindsOf) {
    const [kind] = kinds;
    if (kind !== undefined) kindOf.set(name, joined.keyOf(kind));
  }
  return { kindOf, clusterScoped: new Set([...clusterKinds].map((kind) => joined.keyOf(kind))) };
}

/** Whether two tables give every name the same key and the same scope. */
export function sameKindTable(a: KindTable, b: KindTable): boolean {
  if (a.kindOf.size !== b.kindOf.size || a.clusterScoped.size !== b.clusterScoped.size) {
    return false;
  }
  for (const [name, key] of a.kindOf) if (b.kindOf.get(name) !== key) return false;
  for (const key of a.clusterScoped) if (!b.clusterScoped.has(key)) return false;
  return true;
}

function resourcesOf(document: unknown): DiscoveredResource[] {
  const parsed = DiscoveryListSchema.safeParse(document);
  if (!parsed.success) {
    const { kind, apiVersion } = (document ?? {}) as { kind?: unknown; apiVersion?: unknown };
    const got = [kind, apiVersion].filter((value) => typeof value === 'string');
    throw new DiscoveryUnreadableError(
      `expected an aggregated discovery document (APIGroupDiscoveryList, apidiscovery.k8s.io/v2 or v2beta1), got ${got.length ? got.join(' ').slice(0, 128) : 'something else'}`,
    );
  }
  return (parsed.data.items ?? []).flatMap((group) =>
    (group.versions ?? []).flatMap((version) => version.resources ?? []),
  );
}

/**
 * Kinds joined into classes (union-find). A class's root is its alphabetically first kind: two
 * classes are joined under the lower of their roots, so the key of a kind does not depend on
 * the order discovery lists them in.
 */
class JoinedKinds {
  readonly #parent = new Map<string, string>();

  join(kinds: Iterable<string>): void {
    let first: string | undefined;
    for (const kind of kinds) {
      if (first === undefined) first = kind;
      else this.#union(first, kind);
    }
  }

  keyOf(kind: string): string {
    let root = kind;
    for (
      let parent = this.#parent.get(root);
      parent !== undefined;
      parent = this.#parent.get(root)
    ) {
      root = parent;
    }
    if (root !== kind) this.#parent.set(kind, root);
    return root;
  }

  #union(a: string, b: string): void {
    const [rootA, rootB] = [this.keyOf(a), this.keyOf(b)];
    if (rootA < rootB) this.#parent.set(rootB, rootA);
    else if (rootB < rootA) this.#parent.set(rootA, rootB);
  }
}
