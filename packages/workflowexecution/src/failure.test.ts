import {
  ConfigurationError,
  type ExecutionResult,
  PreviousExecutionNotCleanedError,
  ResourceLockedError,
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
  it('classifies errors that retrying cannot fix', () => {
    expect(classifyStartError(new ConfigurationError({ path: 'p', message: 'm' }))).toBe(
      'ConfigurationError',
    );
    expect(classifyStartError(new UnsupportedEngineError('argo', ['job']))).toBe(
      'UnsupportedEngine',
    );
    expect(classifyStartError(new ResourceLockedError('wfe-1', undefined))).toBe('ResourceLocked');
    expect(classifyStartError(new KubernetesApiError('Forbidden', 'no', 403))).toBe('Forbidden');
    expect(classifyStartError(new KubernetesApiError('Invalid', 'bad', 422))).toBe(
      'ConfigurationError',
    );
  });

  it('leaves retryable errors to the workqueue', () => {
    expect(classifyStartError(new KubernetesApiError('Unavailable', 'down', 503))).toBeUndefined();
    expect(
      classifyStartError(new PreviousExecutionNotCleanedError('wfe-1', undefined)),
    ).toBeUndefined();
    expect(classifyStartError(new Error('boom'))).toBeUndefined();
  });
});
