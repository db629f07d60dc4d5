/**
 * Kinds of Kubernetes' cluster-scoped objects as a target may name them (kind, plural or short
 * name, compared in lower case). A target that puts a namespace before one
 * (`team-a/Node/worker-1`) still acts on the cluster-scoped object: kubectl ignores the
 * namespace of a Node. The list holds the built-in API's kinds; a custom resource that is
 * cluster-scoped is not known here.
 */
export const clusterScopedKinds = [
  ...['node', 'nodes', 'no'],
  ...['namespace', 'namespaces', 'ns'],
  ...['persistentvolume', 'persistentvolumes', 'pv'],
  ...['clusterrole', 'clusterroles', 'clusterrolebinding', 'clusterrolebindings'],
  ...['customresourcedefinition', 'customresourcedefinitions', 'crd', 'crds'],
  ...['storageclass', 'storageclasses', 'sc'],
  ...['priorityclass', 'priorityclasses', 'pc'],
  ...['ingressclass', 'ingressclasses', 'runtimeclass', 'runtimeclasses'],
  ...['csidriver', 'csidrivers', 'csinode', 'csinodes', 'volumeattachment', 'volumeattachments'],
  ...['certificatesigningrequest', 'certificatesigningrequests', 'csr'],
  ...['mutatingwebhookconfiguration', 'mutatingwebhookconfigurations'],
  ...['validatingwebhookconfiguration', 'validatingwebhookconfigurations'],
  ...['validatingadmissionpolicy', 'validatingadmissionpolicies'],
  ...['validatingadmissionpolicybinding', 'validatingadmissionpolicybindings'],
  ...['apiservice', 'apiservices', 'componentstatus', 'componentstatuses', 'cs'],
] as const;
