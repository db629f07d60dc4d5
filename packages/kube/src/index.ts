export { cacheMetadata, definedFields, isPlainRecord, trimmedForCache } from './cache-trim.js';
export type { ClusterConfig } from './cluster-config.js';
export {
  type DeleteAsReadAnswer,
  type DeleteAsReadAnsweredOptions,
  type DeleteAsReadOptions,
  type DeleteAsReadOutcome,
  deleteAsRead,
  deleteAsReadAnswered,
} from './delete-as-read.js';
export { isStillStored } from './deletion-answer.js';
export {
  ExecCredentialError,
  type ExecCredentialPluginOptions,
  ExecPluginNotRunnableError,
} from './exec-credential-plugin.js';
export {
  type ContainerRef,
  type ExecutionLogOptions,
  executionLogs,
  type LogSources,
  startedContainers,
} from './execution-logs.js';
export {
  type FinalizerPatchOperation,
  type FinalizerRemovalOptions,
  finalizerRemoval,
  removeFinalizerAsRead,
} from './finalizer-removal.js';
export { inClusterConfig } from './in-cluster-config.js';
export {
  type Created,
  type DeleteOptions,
  type DeletionPropagation,
  KubeClient,
  type KubeClientOptions,
  type KubeObject,
  type ListOptions,
  type PatchOptions,
  type PatchStrategy,
  type PodLogOptions,
  type RequestOptions,
} from './kube-client.js';
export { KubeConfigError, type KubeConfigProblem } from './kube-config-error.js';
export {
  classifyKubernetesError,
  isKubernetesError,
  KubernetesApiError,
  type KubernetesErrorCause,
  type KubernetesErrorReason,
  kubernetesErrorFromResponse,
  kubernetesErrorFromTransport,
} from './kubernetes-errors.js';
export { LightKubeConfig, type LightKubeConfigParts } from './light-kube-config.js';
export {
  type LoadedKubeConfig,
  type LoadKubeConfigOptions,
  loadKubeConfig,
} from './load-kube-config.js';
export {
  type OwnedCreateResult,
  OwnedResources,
  type OwnedResourcesOptions,
} from './owned-resources.js';
export { discoveryPath, parseWarnings, queryString, resourcePath } from './paths.js';
export { LogFollowError, type LogFollowOptions } from './pod-log-follow.js';
export { quotaExceededRefusal } from './quota-exceeded.js';
export { withoutQuotaUsage } from './quota-refusal.js';
export type { Reader } from './reader.js';
export {
  type ResourceEngine,
  ResourceExecutor,
  type ResourceExecutorOptions,
  type StatusContext,
} from './resource-executor.js';
export { apiVersionOf, type ResourceOf, type ResourceType, resources } from './resources.js';
export { restrictedSecurityProfile, type SecurityProfile } from './security-profile.js';
export type {
  WatchEvent,
  WatchEventType,
  WatchOptions,
  WatchOutcome,
} from './watch-stream.js';
