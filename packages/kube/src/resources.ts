/** Where a kind of object lives in the API; enough to build its REST paths without discovery. */
export interface ResourceType {
  /** API group; '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Lowercase plural used in URLs. */
  readonly plural: string;
  readonly namespaced: boolean;
}

const resource = (
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced = true,
): ResourceType => Object.freeze({ group, version, kind, plural, namespaced });

export const resources = Object.freeze({
  namespaces: resource('', 'v1', 'Namespace', 'namespaces', false),
  pods: resource('', 'v1', 'Pod', 'pods'),
  secrets: resource('', 'v1', 'Secret', 'secrets'),
  configMaps: resource('', 'v1', 'ConfigMap', 'configmaps'),
  serviceAccounts: resource('', 'v1', 'ServiceAccount', 'serviceaccounts'),
  events: resource('', 'v1', 'Event', 'events'),
  jobs: resource('batch', 'v1', 'Job', 'jobs'),
  deployments: resource('apps', 'v1', 'Deployment', 'deployments'),
  leases: resource('coordination.k8s.io', 'v1', 'Lease', 'leases'),
  customResourceDefinitions: resource(
    'apiextensions.k8s.io',
    'v1',
    'CustomResourceDefinition',
    'customresourcedefinitions',
    false,
  ),
  pipelineRuns: resource('tekton.dev', 'v1', 'PipelineRun', 'pipelineruns'),
  taskRuns: resource('tekton.dev', 'v1', 'TaskRun', 'taskruns'),
});

/** `group/version`, or just `version` for the core group, as in an object's apiVersion. */
export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}
