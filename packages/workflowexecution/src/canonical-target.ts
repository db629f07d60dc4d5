import { builtinKindOf, clusterScopedKinds } from './builtin-kinds.js';

const clusterScoped = new Set<string>(clusterScopedKinds);
const noKinds: ReadonlySet<string> = new Set();

/**
 * One key for every spelling of a target: the kind in lower case, by its own name when it is
 * one of Kubernetes' kinds written any way kubectl takes (`Deployment`, `deployments` and
 * `deploy` are one kind), another kind and its plural alike (`Rollout` and `rollouts`); no
 * namespace before a cluster-scoped kind (kubectl ignores it, as the admission policy does):
 * Kubernetes' own, those named `Cluster<Something>`, and `moreClusterScoped` (lower case), the
 * operator's list the admission policy takes too. Lock names hash the target as written,
 * kubernaut's rule, so two spellings of one object get two locks; the controller compares this
 * key to keep them from running on it at once. A custom kind's short name (`ro`) is not known
 * without discovery and stays a kind of its own.
 */
export function canonicalTarget(
  target: string,
  moreClusterScoped: ReadonlySet<string> = noKinds,
): string {
  const parts = target.split('/');
  if (parts.length < 2 || parts.length > 3) return target;
  const name = parts.at(-1) as string;
  const written = (parts.at(-2) as string).toLowerCase();
  const kind = builtinKindOf.get(written) ?? stem(written);
  const namespace = parts.length === 3 ? parts[0] : undefined;
  const isClusterScoped =
    clusterScoped.has(written) ||
    moreClusterScoped.has(written) ||
    (kind.startsWith('cluster') && !['cluster', 'clusters'].includes(kind));
  return namespace === undefined || isClusterScoped
    ? `${kind}/${name}`
    : `${namespace}/${kind}/${name}`;
}

/**
 * A custom kind's name with what English plurals add at its end taken off (`policies` and
 * `policy`, `gatewayclasses` and `gatewayclass`, `rules` and `rule` all end alike), so a kind
 * and its plural, by the rules CRD authors and kubebuilder follow, share a key. Where two
 * different kinds share one this way, executions on objects of one name wait for each other:
 * the safe way to be wrong.
 */
function stem(kind: string): string {
  return kind.replace(/ies$/, 'y').replace(/(e?s)*e?$/, '');
}
