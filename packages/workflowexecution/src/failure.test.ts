import {
  ConfigurationError,
  ExecutionForbiddenError,
  type ExecutionResult,
  PreviousExecutionNotCleanedError,
  ResourceLockedError,
  RoundhouseError,
  UnsupportedEngineError,
} from '@roundhouse/core';
import { KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { classifyResult, classifyStartError } from './failure.js';

const failed = (
  reason: string,
  failureReason?: ExecutionResult['failureReason'],
): ExecutionResult => ({
  phase: 'Failed',
  reason,
  message: 'm',
  summary: { status: 'False' },
  ...(failureReason ? { failureReason } : {}),
});

describe('classifyResult', () => {
  it("trusts the engine's own classification first", () => {
    expect(classifyResult(failed('BackoffLimitExceeded', 'OOMKilled'))).toBe('OOMKilled');
  });

  it('reads a failure the engine left unclassified as Unknown, never guessing from its reason', () => {
    expect(classifyResult(failed('DeadlineExceeded'))).toBe('Unknown');
    expect(classifyResult(failed('SomethingNew'))).toBe('Unknown');
  });
});

describe('classifyStartError', () => {
  const fails = (reason: string) => ({ action: 'fail', reason });

  it('fails on errors that retrying cannot fix', () => {
    expect(classifyStartError(new ConfigurationError({ path: 'p', message: 'm' }))).toEqual(
      fails('ConfigurationError'),
    );
    expect(classifyStartError(new UnsupportedEngineError('argo', ['job']))).toEqual(
      fails('UnsupportedEngine'),
    );
    expect(classifyStartError(new ResourceLockedError('wfe-1', undefined))).toEqual(
      fails('ResourceLocked'),
    );
    expect(classifyStartError(new ExecutionForbiddenError('spec.x', 'no'))).toEqual(
      fails('Forbidden'),
    );
    expect(classifyStartError(new KubernetesApiError('Forbidden', 'no', 403))).toEqual(
      fails('Forbidden'),
    );
    // A resource built from the execution too large for the API server to take, at any retry.
    expect(
      classifyStartError(new KubernetesApiError('RequestEntityTooLarge', 'too large', 413)),
    ).toEqual({ action: 'fail', reason: 'ConfigurationError' });
    expect(classifyStartError(new KubernetesApiError('Invalid', 'bad', 422))).toEqual(
      fails('ConfigurationError'),
    );
  });

  it("classifies another engine's refusal by its HTTP status, not its message", () => {
    // An engine's own error type, as AWX's: not retryable, with the status AWX answered.
    class EngineApiError extends RoundhouseError {
      readonly reason = 'EngineRefused';
      constructor(readonly statusCode: number) {
        super('forbidden by the engine');
      }
    }
    expect(classifyStartError(new EngineApiError(401))).toEqual(fails('Forbidden'));
    expect(classifyStartError(new EngineApiError(404))).toEqual(fails('Unknown'));
  });

  it('retries what may succeed later, including errors that are not Roundhouse errors', () => {
    expect(classifyStartError(new KubernetesApiError('Unavailable', 'down', 503))).toEqual({
      action: 'retry',
    });
    expect(classifyStartError(new PreviousExecutionNotCleanedError('wfe-1', undefined))).toEqual({
      action: 'retry',
    });
    expect(classifyStartError(new Error('boom'))).toEqual({ action: 'retry' });
  });
});
