/**
 * Kinds of Kubernetes' cluster-scoped objects as a target may name them (kind, plural or short
 * name, compared in lower case), from the resources kube-apiserver 1.36 serves with scope
 * Cluster, by API group. A target that puts a namespace before one (`team-a/Node/worker-1`)
 * still acts on the cluster-scoped object: kubectl ignores the namespace of a Node.
 *
 * A cluster-scoped custom resource is not known here, and an admission policy cannot ask
 * discovery: kinds named `Cluster<Something>` count as cluster-scoped by that convention
 * (`clusterPrefixed`), and an operator lists the others (the `clusterScopedKinds` option of
 * `workflowExecutionAdmissionPolicy`).
 */
export const clusterScopedKinds = [
  // core
  ...['node', 'nodes', 'no', 'namespace', 'namespaces', 'ns'],
  ...['persistentvolume', 'persistentvolumes', 'pv', 'componentstatus', 'componentstatuses', 'cs'],
  // admissionregistration.k8s.io
  ...['mutatingwebhookconfiguration', 'mutatingwebhookconfigurations'],
  ...['validatingwebhookconfiguration', 'validatingwebhookconfigurations'],
  ...['mutatingadmissionpolicy', 'mutatingadmissionpolicies'],
  ...['mutatingadmissionpolicybinding', 'mutatingadmissionpolicybindings'],
  ...['validatingadmissionpolicy', 'validatingadmissionpolicies'],
  ...['validatingadmissionpolicybinding', 'validatingadmissionpolicybindings'],
  // apiextensions.k8s.io, apiregistration.k8s.io
  ...['customresourcedefinition', 'customresourcedefinitions', 'crd', 'crds'],
  ...['apiservice', 'apiservices'],
  // authentication.k8s.io, authorization.k8s.io (create-only reviews, listed for completeness)
  ...['tokenreview', 'tokenreviews', 'selfsubjectreview', 'selfsubjectreviews'],
  ...['subjectaccessreview', 'subjectaccessreviews'],
  ...['selfsubjectaccessreview', 'selfsubjectaccessreviews'],
  ...['selfsubjectrulesreview', 'selfsubjectrulesreviews'],
  // certificates.k8s.io
  ...['certificatesigningrequest', 'certificatesigningrequests', 'csr'],
  ...['clustertrustbundle', 'clustertrustbundles'],
  // flowcontrol.apiserver.k8s.io
  ...['flowschema', 'flowschemas', 'prioritylevelconfiguration', 'prioritylevelconfigurations'],
  // internal.apiserver.k8s.io, storagemigration.k8s.io
  ...['storageversion', 'storageversions', 'storageversionmigration', 'storageversionmigrations'],
  // networking.k8s.io
  ...['ingressclass', 'ingressclasses', 'ipaddress', 'ipaddresses', 'ip'],
  ...['servicecidr', 'servicecidrs'],
  // node.k8s.io, scheduling.k8s.io
  ...['runtimeclass', 'runtimeclasses', 'priorityclass', 'priorityclasses', 'pc'],
  // rbac.authorization.k8s.io
  ...['clusterrole', 'clusterroles', 'clusterrolebinding', 'clusterrolebindings'],
  // resource.k8s.io
  ...['deviceclass', 'deviceclasses', 'resourceslice', 'resourceslices'],
  ...['devicetaintrule', 'devicetaintrules'],
  // storage.k8s.io
  ...['storageclass', 'storageclasses', 'sc', 'csidriver', 'csidrivers', 'csinode', 'csinodes'],
  ...['volumeattachment', 'volumeattachments'],
  ...['volumeattributesclass', 'volumeattributesclasses', 'vac'],
] as const;

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
