import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { isTerminalError, TerminalError, terminalError } from './terminal-error.js';

describe('TerminalError', () => {
  it('takes its reason from a Roundhouse cause, so it can go into a condition', () => {
    const cause = new ConfigurationError({ path: 'spec.x', message: 'is required' });
    const error = terminalError(cause);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error.reason).toBe('ConfigurationError');
    expect(error.message).toBe('spec.x: is required');
    expect(error.cause).toBe(cause);
    expect(error.retryable).toBe(false);
  });

  it('has its own reason otherwise, or the one given', () => {
    expect(terminalError('bad input').reason).toBe('TerminalError');
    expect(new TerminalError('no', { reason: 'InvalidSpec' }).reason).toBe('InvalidSpec');
  });

  it('is not wrapped twice', () => {
    const error = new TerminalError('x');
    expect(terminalError(error)).toBe(error);
  });
});

describe('isTerminalError', () => {
  it("sees a TerminalError wrapped in a reconciler's own error", () => {
    const terminal = new TerminalError('bad spec');
    expect(isTerminalError(terminal)).toBe(true);
    expect(isTerminalError(new Error('reconciling ns/a', { cause: terminal }))).toBe(true);
  });

  it('is false for retryable errors, non-errors and a cause cycle', () => {
    expect(isTerminalError(new Error('conflict'))).toBe(false);
    expect(isTerminalError('a string')).toBe(false);
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(isTerminalError(a)).toBe(false);
  });
});
