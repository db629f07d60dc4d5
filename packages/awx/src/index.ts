export { AnsibleExecutor, ansibleEngine } from './ansible-executor.js';
export { AwxClient } from './awx-client.js';
export { type AwxClientOptions, AwxClientOptionsSchema } from './awx-client-options.js';
export {
  AwxAnswerTooLargeError,
  AwxApiError,
  type AwxApiErrorReason,
  AwxConnectionError,
  AwxError,
  AwxLookupError,
  AwxPermissionError,
  AwxResponseError,
  AwxTimeoutError,
  AwxTlsError,
  AwxWorkflowLaunchError,
} from './awx-errors.js';
export type {
  AnsibleExecutorAwx,
  AwxProbe,
  AwxRequestOptions,
  CancelOutcome,
  CredentialFilter,
  CredentialStore,
  CredentialTypeStore,
  JobCanceler,
  JobEventsPage,
  JobEventsWindow,
  JobLauncher,
  JobQuery,
  JobReader,
  JobTemplateReader,
  LaunchRequest,
  ManagedCredentialTypeReader,
  WorkflowJobReader,
  WorkflowNodeReader,
} from './awx-roles.js';
export { AwxUpgradingError } from './awx-upgrading.js';
export {
  type CredentialPlan,
  credentialTypeName,
  ephemeralCredentialPrefix,
  launchCredentials,
  matchesCredentialType,
  planCredentials,
  type SecretValues,
  secretVariable,
  versionedCredentialType,
} from './credential-plan.js';
export type { CredentialTypeFilter } from './credentials-api.js';
export {
  type AnsibleEngineConfig,
  AnsibleEngineConfigSchema,
  parseEngineConfig,
} from './engine-config.js';
export {
  CleanupIncompleteError,
  CreateInProgressError,
  JobCredentialsMissingError,
  JobStoppingError,
  LaunchUnresolvedError,
  LockLostError,
  SlicedLaunchFoundError,
  SlicedWorkflowNotCanceledError,
  WorkflowJobCancelingError,
} from './execution-errors.js';
export {
  type ExecutionIdentity,
  executionIdentity,
  isJobOf,
  isLaunchOf,
  markerVariable,
} from './execution-identity.js';
export { awxJobRef, missingCredentials } from './execution-jobs.js';
export {
  type AnsibleExecutorOptions,
  AnsibleExecutorOptionsSchema,
  type KubernetesApiOptions,
} from './executor-options.js';
export {
  buildExtraVars,
  coerceParameter,
  type ExtraVars,
  type ExtraVarValue,
  serializeExtraVars,
} from './extra-vars.js';
export {
  type ConfigMapValues,
  configMapVariable,
  type LaunchVariable,
  type LaunchVariables,
  launchExtraVars,
  launchVariables,
  type TemplateSurvey,
  type TypedExtraVars,
  typedExtraVars,
} from './extra-vars-plan.js';
export {
  type ExplainedJob,
  type FailureTexts,
  failureTexts,
  type OutputTail,
} from './failure-texts.js';
export {
  isKubernautEphemeral,
  kubernautCredentialIds,
  kubernautCredentialsKey,
} from './kubernaut-credentials.js';
export { TokenRequestUnansweredError } from './kubernetes-api-access.js';
export {
  kubernetesBearerTokenType,
  kubernetesCredentialName,
  type ManagedCredentialPlan,
  tokenExpirationSeconds,
} from './kubernetes-credential.js';
export {
  buildLaunchLock,
  type LaunchLock,
  type LaunchRecord,
  LaunchRecordSchema,
  launchRecordKey,
  readRecord,
} from './launch-record.js';
export { executionTimeoutMs, launchTimeout } from './launch-timeout.js';
export { AwxOperationTimeoutError } from './operation-bound.js';
export {
  type OutputScrub,
  type OutputWithheld,
  outputScrub,
  scrubbedMarker,
  scrubbedText,
} from './output-scrub.js';
export type {
  Credential,
  CredentialRequest,
  CredentialType,
  CredentialTypeRequest,
  Job,
  JobEvent,
  JobStatus,
  JobTemplate,
  KnownJobStatus,
  LaunchResult,
  Organization,
  SurveyQuestion,
} from './schemas.js';
export { awxJobResult } from './status.js';
export type { LineSelection, OutputLines } from './stdout-reader.js';
export { type Survey, surveyOf } from './survey-answers.js';
