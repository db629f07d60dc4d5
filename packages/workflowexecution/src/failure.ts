import {
  ConfigurationError,
  type ExecutionResult,
  type FailureReason,
  ResourceLockedError,
  UnsupportedEngineError,
} from '@roundhouse/core';
import { KubernetesApiError } from '@roundhouse/kube';

/**
 * Why a finished execution failed. The engine classifies its own failures (it sees the
 * structured cause: a container's terminated reason, a Job condition, an AWX job status); an
 * engine that gives no classification reads as Unknown rather than as a guess made here.
 */
export function classifyResult(result: ExecutionResult): FailureReason {
  return result.failureReason ?? 'Unknown';
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
