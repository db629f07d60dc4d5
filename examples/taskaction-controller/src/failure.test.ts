import {
  ConfigurationError,
  type ExecutionResult,
  PreviousExecutionNotCleanedError,
} from '@roundhouse/core';
import { KubernetesApiError } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { engineCallFailure, observe } from './failure.js';

const running = (reason?: string): ExecutionResult => ({
  phase: 'Running',
  reason: 'Running',
  message: 'Job running',
  summary: { status: 'Unknown', ...(reason ? { reason } : {}) },
});
const failed = (failureReason: ExecutionResult['failureReason']): ExecutionResult => ({
  phase: 'Failed',
  reason: 'BackoffLimitExceeded',
  message: 'exited with code 3',
  summary: { status: 'False' },
  ...(failureReason ? { failureReason } : {}),
});

describe('observe', () => {
  it('tells a resource that waits for its pods from one whose pods run', () => {
    expect(observe(running(), 'present')).toMatchObject({
      kind: 'progress',
      phase: 'Initializing',
    });
    expect(observe(running('Running'), 'present')).toMatchObject({
      kind: 'progress',
      phase: 'Executing',
    });
  });

  it('never reads a resource being deleted as progress (Flyte #8066)', () => {
    expect(observe(running('Running'), 'deleting')).toEqual({
      kind: 'failed',
      failure: expect.objectContaining({
        kind: 'SYSTEM',
        code: 'UnexpectedObjectDeletion',
        retryable: true,
      }),
    });
  });

  it('keeps a verdict even when the resource is being deleted', () => {
    expect(observe({ ...running(), phase: 'Completed' }, 'deleting').kind).toBe('succeeded');
  });

  it('reports a resource deleted from outside as a system failure', () => {
    expect(observe(null, 'absent')).toMatchObject({
      kind: 'failed',
      failure: { kind: 'SYSTEM', code: 'ResourceDeletedExternally' },
    });
  });

  it("classifies a failed attempt by the engine's failure reason", () => {
    expect(observe(failed('TaskFailed'), 'present')).toMatchObject({
      failure: { kind: 'USER', code: 'TaskFailed', retryable: true },
    });
    expect(observe(failed('OOMKilled'), 'present')).toMatchObject({ failure: { kind: 'USER' } });
    expect(observe(failed('ConfigurationError'), 'present')).toMatchObject({
      failure: { kind: 'USER', retryable: false },
    });
    expect(observe(failed(undefined), 'present')).toMatchObject({
      failure: { kind: 'SYSTEM', code: 'Unknown' },
    });
  });
});

describe('observe: what an attempt wrote', () => {
  const log = 'line 1\n\u001b]0;root@prod\u0007\u202e\tdone';
  const quoted = 'line 1\n\\x1b]0;root@prod\\x07\\u202e\tdone';

  it("quotes a failure's termination message as escapes, keeping its lines and tabs", () => {
    expect(observe({ ...failed('TaskFailed'), message: log }, 'present')).toMatchObject({
      failure: { message: quoted },
    });
  });

  it('quotes the message of a running or completed attempt as escapes too', () => {
    expect(observe({ ...running('Running'), message: log }, 'present')).toMatchObject({
      message: quoted,
    });
    expect(observe({ ...running(), phase: 'Completed', message: log }, 'present')).toMatchObject({
      message: quoted,
    });
  });
});

describe('engineCallFailure', () => {
  it('fails at once on a spec nobody will accept', () => {
    expect(engineCallFailure(new ConfigurationError({ path: 'x', message: 'bad' }))).toMatchObject({
      kind: 'USER',
      retryable: false,
    });
    expect(engineCallFailure(new KubernetesApiError('Invalid', 'bad field', 422))).toMatchObject({
      code: 'InvalidResource',
      retryable: false,
    });
    expect(engineCallFailure(new KubernetesApiError('Unknown', 'too large', 413))).toEqual({
      kind: 'USER',
      code: 'EntityTooLarge',
      message: 'too large',
      retryable: false,
    });
  });

  it('counts refusals that may pass as system failures, with their backoff', () => {
    expect(
      engineCallFailure(new KubernetesApiError('Forbidden', 'exceeded quota', 403)),
    ).toMatchObject({
      kind: 'SYSTEM',
      code: 'RuntimeFailure',
      retryable: true,
    });
    expect(
      engineCallFailure(new PreviousExecutionNotCleanedError('wfe-1', undefined)),
    ).toMatchObject({
      kind: 'SYSTEM',
      code: 'PreviousExecutionNotCleaned',
    });
  });

  it("leaves a busy API server and unknown errors to the workqueue's backoff", () => {
    expect(
      engineCallFailure(new KubernetesApiError('Unavailable', 'try later', 503)),
    ).toBeUndefined();
    expect(engineCallFailure(new TypeError('bug'))).toBeUndefined();
  });
});
