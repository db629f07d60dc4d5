import {
  ConfigurationError,
  type ExecutionResult,
  type FailureReason,
  ResourceLockedError,
  UnsupportedEngineError,
} from '@roundhouse/core';
import { KubernetesApiError } from '@roundhouse/kube';

/** Engine reasons that classify a failure when the engine gave no failureReason itself. */
const byEngineReason: Readonly<Record<string, FailureReason>> = {
  DeadlineExceeded: 'DeadlineExceeded',
  BackoffLimitExceeded: 'TaskFailed',
  PodFailurePolicy: 'TaskFailed',
  PipelineRunTimeout: 'DeadlineExceeded',
  PipelineRunTimeoutRunningFinally: 'DeadlineExceeded',
  TaskRunTimeout: 'DeadlineExceeded',
  Failed: 'TaskFailed',
  CouldntGetPipeline: 'ConfigurationError',
  CouldntGetTask: 'ConfigurationError',
  InvalidWorkspaceBindings: 'ConfigurationError',
  ParameterMissing: 'ConfigurationError',
  ParameterTypeMismatch: 'ConfigurationError',
  PipelineValidationFailed: 'ConfigurationError',
  AWXJobFailed: 'TaskFailed',
  AWXJobError: 'TaskFailed',
  AWXJobCanceled: 'TaskFailed',
};

/** Why a finished execution failed: the engine's own classification, else its reason. */
export function classifyResult(result: ExecutionResult): FailureReason {
  return result.failureReason ?? byEngineReason[result.reason] ?? 'Unknown';
}

/**
 * Why an execution could not be started, from the typed error; undefined for errors worth
 * retrying (a busy API server, a lost connection), which the caller rethrows.
 */
export function classifyStartError(error: unknown): FailureReason | undefined {
  if (error instanceof ConfigurationError) return 'ConfigurationError';
  if (error instanceof UnsupportedEngineError) return 'UnsupportedEngine';
  if (error instanceof ResourceLockedError) return 'ResourceLocked';
  if (error instanceof KubernetesApiError) {
    if (error.reason === 'Forbidden' || error.reason === 'Unauthorized') return 'Forbidden';
    if (error.reason === 'Invalid' || error.reason === 'BadRequest') return 'ConfigurationError';
  }
  return undefined;
}
