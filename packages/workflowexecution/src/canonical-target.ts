import { clusterScopedKinds } from './cluster-scoped-kinds.js';

/**
 * The names kubectl accepts for the kinds a workflow most often acts on, first the one every
 * other spelling stands for. Kinds not listed are compared in lower case only.
 */
const kindAliases: readonly (readonly string[])[] = [
  ['pod', 'pods', 'po'],
  ['service', 'services', 'svc'],
  ['configmap', 'configmaps', 'cm'],
  ['secret', 'secrets'],
  ['serviceaccount', 'serviceaccounts', 'sa'],
  ['persistentvolumeclaim', 'persistentvolumeclaims', 'pvc'],
  ['replicationcontroller', 'replicationcontrollers', 'rc'],
  ['deployment', 'deployments', 'deploy'],
  ['statefulset', 'statefulsets', 'sts'],
  ['daemonset', 'daemonsets', 'ds'],
  ['replicaset', 'replicasets', 'rs'],
  ['job', 'jobs'],
  ['cronjob', 'cronjobs', 'cj'],
  ['horizontalpodautoscaler', 'horizontalpodautoscalers', 'hpa'],
  ['poddisruptionbudget', 'poddisruptionbudgets', 'pdb'],
  ['ingress', 'ingresses', 'ing'],
  ['networkpolicy', 'networkpolicies', 'netpol'],
  ['role', 'roles'],
  ['rolebinding', 'rolebindings'],
  ['node', 'nodes', 'no'],
  ['namespace', 'namespaces', 'ns'],
  ['persistentvolume', 'persistentvolumes', 'pv'],
  ['storageclass', 'storageclasses', 'sc'],
  ['clusterrole', 'clusterroles'],
  ['clusterrolebinding', 'clusterrolebindings'],
  ['customresourcedefinition', 'customresourcedefinitions', 'crd', 'crds'],
];

const kindOf = new Map(kindAliases.flatMap((names) => names.map((name) => [name, names[0]])));
const clusterScoped = new Set<string>(clusterScopedKinds);
const noKinds: ReadonlySet<string> = new Set();

/**
 * One key for every spelling of a target: the kind in lower case and by its kubectl name
 * (`Deployment`, `deployments` and `deploy` are one kind), and no namespace before a
 * cluster-scoped kind (kubectl ignores it, as the admission policy does): Kubernetes' own, those
 * named `Cluster<Something>`, and `moreClusterScoped` (lower case), the operator's list the
 * admission policy takes too. Lock names hash the
 * target as written, kubernaut's rule, so two spellings of one object get two locks; the
 * controller compares this key to keep them from running on it at once.
 */
export function canonicalTarget(
  target: string,
  moreClusterScoped: ReadonlySet<string> = noKinds,
): string {
  const parts = target.split('/');
  if (parts.length < 2 || parts.length > 3) return target;
  const name = parts.at(-1) as string;
  const written = (parts.at(-2) as string).toLowerCase();
  const kind = kindOf.get(written) ?? written;
  const namespace = parts.length === 3 ? parts[0] : undefined;
  const isClusterScoped =
    clusterScoped.has(written) ||
    moreClusterScoped.has(written) ||
    (kind.startsWith('cluster') && !['cluster', 'clusters'].includes(kind));
  return namespace === undefined || isClusterScoped
    ? `${kind}/${name}`
    : `${namespace}/${kind}/${name}`;
}
