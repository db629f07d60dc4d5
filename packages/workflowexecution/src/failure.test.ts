import {
  ConfigurationError,
  DeadlinePassedError,
  ExecutionForbiddenError,
  type ExecutionResult,
  PreviousExecutionNotCleanedError,
  QuotaExceededError,
  ResourceLockedError,
  RoundhouseError,
  UnsupportedEngineError,
} from '@roundhouse/core';
import { KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { classifyResult, classifyStartError, ranWorkflow, startErrorMessage } from './failure.js';

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
    expect(
      classifyStartError(new ResourceLockedError('wfe-1', { namespace: 'ns', name: 'first' })),
    ).toEqual(fails('Deduplicated'));
    expect(classifyStartError(new ExecutionForbiddenError('spec.x', 'no'))).toEqual(
      fails('Forbidden'),
    );
    expect(classifyStartError(new DeadlinePassedError('2026-12-02T10:00:00Z'))).toEqual(
      fails('DeadlineExceeded'),
    );
    expect(classifyStartError(new KubernetesApiError('Forbidden', 'no', 403))).toEqual(
      fails('Forbidden'),
    );
    // A namespace whose quota is full: the 403 the pod engine read as such.
    expect(classifyStartError(new QuotaExceededError('exceeded quota: no-pods'))).toEqual(
      fails('ResourceExhausted'),
    );
    // A resource built from the execution too large for the API server to take, at any retry.
    expect(
      classifyStartError(new KubernetesApiError('RequestEntityTooLarge', 'too large', 413)),
    ).toEqual({ action: 'fail', reason: 'ConfigurationError' });
    expect(classifyStartError(new KubernetesApiError('Invalid', 'bad', 422))).toEqual(
      fails('ConfigurationError'),
    );
  });

  it('UT-WE-190-003, UT-WE-190-007: a target held by a resource that names no execution fails Unknown, not Deduplicated', () => {
    // kubernaut's RemediationOrchestrator follows status.deduplicatedBy from a Deduplicated
    // failure to the execution holding the target; with no name to follow it waits for ever.
    expect(classifyStartError(new ResourceLockedError('wfe-1', undefined))).toEqual(
      fails('Unknown'),
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

describe('ranWorkflow', () => {
  const all = [
    'TaskFailed',
    'OOMKilled',
    'DeadlineExceeded',
    'Forbidden',
    'ImagePullBackOff',
    'ConfigurationError',
    'ResourceExhausted',
    'Unknown',
  ] as const;

  it('BR-WE-004 (kubernaut determineWasExecutionFailure): an image that never pulled, a definition the engine refused or no quota for the pod is no execution failure', () => {
    for (const reason of ['ImagePullBackOff', 'ConfigurationError', 'ResourceExhausted'] as const)
      expect(ranWorkflow(reason), reason).toBe(false);
    for (const reason of [
      'TaskFailed',
      'OOMKilled',
      'DeadlineExceeded',
      'Forbidden',
      'Unknown',
    ] as const)
      expect(ranWorkflow(reason), reason).toBe(true);
  });

  // kubernaut controller_test.go "StartTime vs. FailureReason Conflicts" (determineWasExecutionFailure)
  it('DD-WE-004: a resource that started failed during execution unless the reason says the workflow never ran', () => {
    for (const reason of all)
      expect(ranWorkflow(reason, true), reason).toBe(
        !['ImagePullBackOff', 'ConfigurationError', 'ResourceExhausted'].includes(reason),
      );
  });

  // kubernaut controller_test.go "Reason-Based Detection" (determineWasExecutionFailure)
  it('DD-WE-004: a resource that never started failed during execution only for OOMKilled, DeadlineExceeded, Forbidden or TaskFailed', () => {
    for (const reason of all)
      expect(ranWorkflow(reason, false), reason).toBe(
        ['OOMKilled', 'DeadlineExceeded', 'Forbidden', 'TaskFailed'].includes(reason),
      );
  });
});

describe('startErrorMessage', () => {
  it('IT-WE-374-002: a busy target fails saying its execution resource already exists, naming the holder', () => {
    const message = startErrorMessage(
      new ResourceLockedError('wfe-c00449355dfb987a', { namespace: 'team-a', name: 'first' }),
      'job',
    );
    expect(message).toContain('Execution resource wfe-c00449355dfb987a already exists');
    expect(message).toContain('WorkflowExecution team-a/first');
    expect(startErrorMessage(new ResourceLockedError('wfe-1', undefined), 'job')).toContain(
      'already exists',
    );
  });

  it('keeps the own message of a refusal before anything was sent', () => {
    const refusals = [
      new UnsupportedEngineError('argo', ['job']),
      new ConfigurationError({ path: 'spec.parameters.X', message: 'bad' }),
      new ExecutionForbiddenError('spec.executionConfig.serviceAccountName', 'not allowed'),
      new DeadlinePassedError('2026-01-01T00:00:00Z'),
    ];
    for (const error of refusals) expect(startErrorMessage(error, 'job')).toBe(error.message);
  });

  it("says a failed create in kubernaut's words: Failed to create <engine> execution resource", () => {
    expect(
      startErrorMessage(new KubernetesApiError('Forbidden', 'jobs.batch is forbidden', 403), 'job'),
    ).toBe('Failed to create job execution resource: jobs.batch is forbidden');
    expect(startErrorMessage('plain', 'tekton')).toBe(
      'Failed to create tekton execution resource: plain',
    );
  });
});
