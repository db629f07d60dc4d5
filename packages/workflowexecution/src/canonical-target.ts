import { builtinKindOf, clusterScopedKinds } from './builtin-kinds.js';
import type { KindTable } from './kind-table.js';

const clusterScoped = new Set<string>(clusterScopedKinds);
const noKinds: ReadonlySet<string> = new Set();

/** What a target's key is computed under. */
export interface TargetKinds {
  /**
   * The kinds the cluster serves, from discovery (`kindTableOf`); without it, or for a name it
   * does not list, Kubernetes' own kinds (`builtin-kinds.ts`) and the plural rule of `stem`.
   */
  readonly table?: KindTable | undefined;
  /**
   * More cluster-scoped kinds (lower case), the operator's list the admission policy takes too,
   * with their keys (`operatorClusterScoped`).
   */
  readonly clusterScoped?: ReadonlySet<string> | undefined;
}

/**
 * One key for every spelling of a target: the kind's key, the same for every name kubectl
 * takes for it in any case (`Deployment`, `deployments` and `deploy`; a custom kind's plural,
 * singular and short names, `Rollout`, `rollouts` and `ro`, as discovery lists them); no
 * namespace before a cluster-scoped kind (kubectl ignores it, as the admission policy does).
 * Lock names hash the target as written, kubernaut's rule, so two spellings of one object get
 * two locks; the controller compares this key to keep them from running on it at once. Keys
 * are comparable only when computed under one `kinds`.
 *
 * A name discovery lists takes its key and scope from the table. Any other is known by
 * Kubernetes' own kinds, or is a kind of its own whose plural shares its key (`stem`), and is
 * cluster-scoped when Kubernetes' own kind is, or when it is named `Cluster<Something>`. The
 * operator's kinds are cluster-scoped either way.
 */
export function canonicalTarget(target: string, kinds: TargetKinds = {}): string {
  const parts = target.split('/');
  if (parts.length < 2 || parts.length > 3) return target;
  const name = parts.at(-1) as string;
  const written = (parts.at(-2) as string).toLowerCase();
  const kind = kindKey(written, kinds.table);
  const more = kinds.clusterScoped ?? noKinds;
  const isClusterScoped =
    (kinds.table?.kindOf.has(written)
      ? kinds.table.clusterScoped.has(kind)
      : clusterScoped.has(written) ||
        (kind.startsWith('cluster') && !['cluster', 'clusters'].includes(kind))) ||
    more.has(written) ||
    more.has(kind);
  const namespace = parts.length === 3 ? parts[0] : undefined;
  const key =
    namespace === undefined || isClusterScoped ? `${kind}/${name}` : `${namespace}/${kind}/${name}`;
  // A target written in its key's spelling, as most are, keeps its own string: the controller
  // holds a key for every cached execution, and a copy of each would cost 0.5 MiB per 10,000.
  return key === target ? target : key;
}

/** Whether `target`'s kind is one `table`, or Kubernetes' own kinds, know by that name. */
export function knowsKind(target: string, table: KindTable | undefined): boolean {
  const parts = target.split('/');
  if (parts.length < 2 || parts.length > 3) return true;
  const written = (parts.at(-2) as string).toLowerCase();
  return table?.kindOf.has(written) === true || builtinKindOf.has(written);
}

/**
 * The operator's cluster-scoped kinds (`clusterScopedKinds`, any spelling) as `canonicalTarget`
 * takes them: each name in lower case and its key under `table`, so listing `Rollout` covers
 * `ro` once discovery joins them.
 */
export function operatorClusterScoped(
  names: readonly string[],
  table: KindTable | undefined,
): ReadonlySet<string> {
  return new Set(
    names.flatMap((name) => {
      const lower = name.toLowerCase();
      return [lower, kindKey(lower, table)];
    }),
  );
}

function kindKey(written: string, table: KindTable | undefined): string {
  return table?.kindOf.get(written) ?? builtinKindOf.get(written) ?? stem(written);
}

/**
 * A custom kind's name with what English plurals add at its end taken off (`policies` and
 * `policy`, `gatewayclasses` and `gatewayclass`, `rules` and `rule` all end alike), so a kind
 * and its plural, by the rules CRD authors and kubebuilder follow, share a key when discovery
 * does not list them. Where two different kinds share one this way, executions on objects of
 * one name wait for each other: the safe way to be wrong.
 */
function stem(kind: string): string {
  return kind.replace(/ies$/, 'y').replace(/(e?s)*e?$/, '');
}
