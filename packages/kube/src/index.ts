export {
  type Created,
  type DeleteOptions,
  KubeClient,
  type KubeClientOptions,
  type KubeObject,
  type ListOptions,
  type PatchOptions,
  type PatchStrategy,
  type RequestOptions,
} from './kube-client.js';
export { type OwnedCreateResult, OwnedResources } from './owned-resources.js';
export { discoveryPath, parseWarnings, queryString, resourcePath } from './paths.js';
export { apiVersionOf, type ResourceType, resources } from './resources.js';
