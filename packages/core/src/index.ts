export { isAllowedSource } from './allowed-sources.js';
export { type BoundedText, readBoundedBody } from './bounded-body.js';
export { isCodeLoadingVariable } from './code-loading-variables.js';
export {
  type ConditionWarning,
  ConditionWarningSchema,
  type CreateWarning,
  conditionWarningOf,
  warningText,
} from './condition-warning.js';
export {
  type ConventionKeys,
  type Conventions,
  ConventionsSchema,
  conventionKeys,
  defineConventions,
  kubernautConventions,
  roundhouseConventions,
} from './conventions.js';
export {
  type ConventionsPresetName,
  ConventionsPresetNameSchema,
  conventionsPreset,
  conventionsPresets,
} from './conventions-presets.js';
export { withDeclaredParameters } from './declared-parameters.js';
export {
  formatGoDuration,
  goDurationPattern,
  isGoDuration,
  maxTimerMs,
  parseGoDuration,
  parseTimeout,
} from './duration.js';
export {
  AbortedError,
  CleanupPendingError,
  ConfigurationError,
  ConventionsMismatchError,
  DeadlinePassedError,
  EngineUnavailableError,
  ExecutionForbiddenError,
  type ExecutionOwner,
  type FieldIssue,
  PreviousExecutionNotCleanedError,
  QuotaExceededError,
  ResourceLockedError,
  RoundhouseError,
  throwIfAborted,
  UnsupportedEngineError,
} from './errors.js';
export { execStringLimit, execStringOverLimit, workingDirIssue } from './exec-limits.js';
export {
  type EngineFields,
  executionImage,
  listsDependencies,
  requestedDependencies,
  requestedEngine,
  requestedServiceAccount,
  serviceAccountField,
} from './execution-identity.js';
export {
  completionTimeOf,
  type ExecutionResult,
  ExecutionResultSchema,
  graceRecheckAfterMs,
  isTerminalPhase,
} from './execution-result.js';
export type {
  AdoptOptions,
  Availability,
  CreateOptions,
  CreateResult,
  ExecutionRead,
  ExecutionWatch,
  Executor,
  LogLine,
  LogOptions,
  OperationOptions,
  StatusOptions,
} from './executor.js';
export { toFieldIssues } from './field-issues.js';
export {
  executionBundlePattern,
  isBundleImageReference,
  isOciReference,
  ociDigestPattern,
  ociReferencePattern,
  referenceDigestProblem,
  targetResourcePattern,
} from './grammar.js';
export {
  digestHexDigits,
  digestProblem,
  pinnedReference,
} from './image-reference.js';
export { formatKubeMicroTime, formatKubeTime } from './kube-time.js';
export { isDns1123Label, isDns1123Subdomain, toDns1123Label } from './kubernetes-names.js';
export {
  type ExecutionMetadata,
  executionMetadata,
  executionObjectMeta,
  executionOwnerKey,
  isOwnedBy,
  isValidLabelValue,
  type OwnerMetadata,
  ownedResourcesSelector,
  ownerFromLabels,
  targetLabelValue,
  toLabelValue,
} from './labels.js';
export { type Logger, type LogMethod, noopLogger } from './logger.js';
export {
  type DependencyVolume,
  type DependencyVolumeMount,
  type DependencyWorkspace,
  dependencyMounts,
  dependencyWorkspaces,
} from './mounts.js';
export { executionResourceName } from './naming.js';
export {
  checkObjectSize,
  checkStoredObjectSize,
  maxObjectBytes,
  statusWriteAllowance,
  storedJsonBytes,
  storedObjectBytes,
} from './object-size.js';
export {
  type EnvVar,
  parameterEnv,
  sortedParameters,
  targetResourceParameter,
  validateParameters,
} from './parameters.js';
export { preparedExecution, timesOutAtMs, withTimesOutAt } from './prepared-execution.js';
export { printableJson, printableText } from './printable-text.js';
export { type ExactQuantity, exactQuantity, quantitySuffixes } from './quantity.js';
export {
  type AvailabilityOptions,
  type AvailabilityReport,
  DuplicateEngineError,
  Registry,
} from './registry.js';
export {
  type RequestGate,
  requestRefusal,
  withoutRequestGate,
  withRequestGate,
} from './request-gate.js';
export {
  executionResources,
  type ResourceDefaults,
  type ResourceRequirements,
  ResourceRequirementsSchema,
} from './resource-requirements.js';
export { apiVersionOf, type DeletionPropagation, type ResourceType } from './resource-type.js';
export { TargetResourceSchema } from './target-resource.js';
export {
  classifyTransportError,
  type TransportFailure,
  type TransportFailureKind,
} from './transport-errors.js';
export {
  type Dependencies,
  DependenciesSchema,
  type ExecutionConfig,
  ObjectMetaSchema,
  type ObjectRef,
  parseWorkflowExecution,
  reparseWorkflowExecution,
  type WorkflowExecution,
  WorkflowExecutionSchema,
  type WorkflowExecutionSpec,
  WorkflowExecutionSpecSchema,
  type WorkflowRef,
} from './workflow-execution.js';
export {
  type Condition,
  ConditionSchema,
  type ConditionStatus,
  type ExecutionSummary,
  ExecutionSummarySchema,
  type FailureDetails,
  FailureDetailsSchema,
  type FailureReason,
  FailureReasonSchema,
  type Phase,
  PhaseSchema,
  type WorkflowExecutionStatus,
  WorkflowExecutionStatusSchema,
} from './workflow-execution-status.js';
