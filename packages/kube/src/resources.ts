import type { ResourceType } from '@roundhouse/core';

// The type is core's, because executors declare the resources they watch in core's contract.
export { apiVersionOf, type ResourceType } from '@roundhouse/core';

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
  resourceQuotas: resource('', 'v1', 'ResourceQuota', 'resourcequotas'),
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
