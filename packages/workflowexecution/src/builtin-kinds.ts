/**
 * The kinds Kubernetes itself serves, as a target may name them: each row is one kind's names
 * (kind, plural, short names, in lower case, as kubectl accepts them), read from the discovery
 * documents of kube-apiserver 1.36 (preferred versions), with the cluster-scoped kinds of its
 * alpha and beta APIs added. Every name in a row is one kind to the lock check and the
 * cooldown. The controller reads the cluster's own discovery (`kindTableOf`) and falls back on
 * this table for a name discovery does not list, or until discovery has been read; the
 * admission policy, which cannot ask discovery, knows only this table.
 */
const namespacedKinds: readonly (readonly string[])[] = [
  // core
  ['binding', 'bindings'],
  ['configmap', 'configmaps', 'cm'],
  ['endpoints', 'ep'],
  ['event', 'events', 'ev'],
  ['limitrange', 'limitranges', 'limits'],
  ['persistentvolumeclaim', 'persistentvolumeclaims', 'pvc'],
  ['pod', 'pods', 'po'],
  ['podtemplate', 'podtemplates'],
  ['replicationcontroller', 'replicationcontrollers', 'rc'],
  ['resourcequota', 'resourcequotas', 'quota'],
  ['secret', 'secrets'],
  ['serviceaccount', 'serviceaccounts', 'sa'],
  ['service', 'services', 'svc'],
  // apps
  ['controllerrevision', 'controllerrevisions'],
  ['daemonset', 'daemonsets', 'ds'],
  ['deployment', 'deployments', 'deploy'],
  ['replicaset', 'replicasets', 'rs'],
  ['statefulset', 'statefulsets', 'sts'],
  // authorization.k8s.io
  ['localsubjectaccessreview', 'localsubjectaccessreviews'],
  // autoscaling
  ['horizontalpodautoscaler', 'horizontalpodautoscalers', 'hpa'],
  // batch
  ['cronjob', 'cronjobs', 'cj'],
  ['job', 'jobs'],
  // networking.k8s.io
  ['ingress', 'ingresses', 'ing'],
  ['networkpolicy', 'networkpolicies', 'netpol'],
  // policy
  ['poddisruptionbudget', 'poddisruptionbudgets', 'pdb'],
  // rbac.authorization.k8s.io
  ['rolebinding', 'rolebindings'],
  ['role', 'roles'],
  // storage.k8s.io
  ['csistoragecapacity', 'csistoragecapacities'],
  // coordination.k8s.io
  ['lease', 'leases'],
  // discovery.k8s.io
  ['endpointslice', 'endpointslices'],
  // resource.k8s.io
  ['resourceclaim', 'resourceclaims'],
  ['resourceclaimtemplate', 'resourceclaimtemplates'],
];

/**
 * Cluster-scoped kinds. A target that puts a namespace before one (`team-a/Node/worker-1`)
 * still acts on the cluster-scoped object: kubectl ignores the namespace of a Node.
 *
 * A cluster-scoped custom resource is not known here, and an admission policy cannot ask
 * discovery: kinds named `Cluster<Something>` count as cluster-scoped by that convention
 * (`clusterPrefixed`), and an operator lists the others (the `clusterScopedKinds` option of
 * `workflowExecutionAdmissionPolicy`). The controller's lock check learns their scope from
 * discovery, and uses these rules only for a kind discovery does not list.
 */
const clusterKinds: readonly (readonly string[])[] = [
  // core
  ['componentstatus', 'componentstatuses', 'cs'],
  ['namespace', 'namespaces', 'ns'],
  ['node', 'nodes', 'no'],
  ['persistentvolume', 'persistentvolumes', 'pv'],
  // apiregistration.k8s.io
  ['apiservice', 'apiservices'],
  // authentication.k8s.io
  ['selfsubjectreview', 'selfsubjectreviews'],
  ['tokenreview', 'tokenreviews'],
  // authorization.k8s.io
  ['selfsubjectaccessreview', 'selfsubjectaccessreviews'],
  ['selfsubjectrulesreview', 'selfsubjectrulesreviews'],
  ['subjectaccessreview', 'subjectaccessreviews'],
  // certificates.k8s.io
  ['certificatesigningrequest', 'certificatesigningrequests', 'csr'],
  ['clustertrustbundle', 'clustertrustbundles'],
  // networking.k8s.io
  ['ingressclass', 'ingressclasses'],
  ['ipaddress', 'ipaddresses', 'ip'],
  ['servicecidr', 'servicecidrs'],
  // rbac.authorization.k8s.io
  ['clusterrolebinding', 'clusterrolebindings'],
  ['clusterrole', 'clusterroles'],
  // storage.k8s.io
  ['csidriver', 'csidrivers'],
  ['csinode', 'csinodes'],
  ['storageclass', 'storageclasses', 'sc'],
  ['volumeattachment', 'volumeattachments'],
  ['volumeattributesclass', 'volumeattributesclasses', 'vac'],
  // admissionregistration.k8s.io
  ['mutatingadmissionpolicy', 'mutatingadmissionpolicies'],
  ['mutatingadmissionpolicybinding', 'mutatingadmissionpolicybindings'],
  ['mutatingwebhookconfiguration', 'mutatingwebhookconfigurations'],
  ['validatingadmissionpolicy', 'validatingadmissionpolicies'],
  ['validatingadmissionpolicybinding', 'validatingadmissionpolicybindings'],
  ['validatingwebhookconfiguration', 'validatingwebhookconfigurations'],
  // apiextensions.k8s.io
  ['customresourcedefinition', 'customresourcedefinitions', 'crd', 'crds'],
  // scheduling.k8s.io
  ['priorityclass', 'priorityclasses', 'pc'],
  // node.k8s.io
  ['runtimeclass', 'runtimeclasses'],
  // resource.k8s.io
  ['deviceclass', 'deviceclasses'],
  ['resourceslice', 'resourceslices'],
  ['devicetaintrule', 'devicetaintrules'],
  // flowcontrol.apiserver.k8s.io
  ['flowschema', 'flowschemas'],
  ['prioritylevelconfiguration', 'prioritylevelconfigurations'],
  // internal.apiserver.k8s.io
  ['storageversion', 'storageversions'],
  // storagemigration.k8s.io
  ['storageversionmigration', 'storageversionmigrations'],
];

/** Every name of a cluster-scoped built-in kind. */
export const clusterScopedKinds: readonly string[] = clusterKinds.flat();

/** Each name of a built-in kind, to the kind's own name (the first of its row). */
export const builtinKindOf: ReadonlyMap<string, string> = new Map(
  [...namespacedKinds, ...clusterKinds].flatMap((names) =>
    names.map((name) => [name, names[0] as string] as const),
  ),
);

/**
 * A CEL condition on `kind` (lower case): it names a `Cluster<Something>` kind, as
 * cluster-scoped custom resources are conventionally named (cert-manager's ClusterIssuer,
 * Kyverno's ClusterPolicy, Tekton's ClusterTask). A namespaced kind of that name (Cluster API's
 * ClusterClass) is then treated as cluster-scoped too: the check asks more of its author, never
 * less. `Cluster` itself (CloudNativePG's, Cluster API's) is namespaced and is not matched.
 */
export function clusterPrefixed(kind: string): string {
  return `(${kind}.startsWith('cluster') && !(${kind} in ['cluster', 'clusters']))`;
}

/** What an operator-listed kind may look like: a kind, plural or short name. */
export const clusterScopedKindPattern = /^[A-Za-z]([-A-Za-z0-9]*[A-Za-z0-9])?$/;
