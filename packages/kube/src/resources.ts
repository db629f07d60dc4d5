import type { ResourceType } from '@roundhouse/core';

// The type is core's, because executors declare the resources they watch in core's contract.
export { apiVersionOf, type ResourceType } from '@roundhouse/core';

/**
 * `ResourceType<T>` as the client's and a `Reader`'s calls take it: the same type, spelled so an
 * untyped resource gives the call nothing to infer `T` from. A parameter spelled
 * `ResourceType<T>` would infer `T` from an untyped `ResourceType`'s own argument, `unknown`,
 * and so read `KubeObject`s where a generic caller's call reads what it returns into.
 */
export type ResourceOf<T> = ResourceType<T> & ResourceType;

/*
 * The built-ins are untyped, so they read as plain `KubeObject`s: the shapes Roundhouse gives
 * Jobs, Pods and PipelineRuns live in the engines, above this package, and client-node's classes
 * describe objects with `Date`s in them, which this client never returns.
 */
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
  validatingAdmissionPolicies: resource(
    'admissionregistration.k8s.io',
    'v1',
    'ValidatingAdmissionPolicy',
    'validatingadmissionpolicies',
    false,
  ),
  validatingAdmissionPolicyBindings: resource(
    'admissionregistration.k8s.io',
    'v1',
    'ValidatingAdmissionPolicyBinding',
    'validatingadmissionpolicybindings',
    false,
  ),
  pipelineRuns: resource('tekton.dev', 'v1', 'PipelineRun', 'pipelineruns'),
  taskRuns: resource('tekton.dev', 'v1', 'TaskRun', 'taskruns'),
});
