import { ConfigurationError, type WorkflowExecution } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { executionTimeoutMs, ignoredTimeoutWarning, launchTimeout } from './launch-timeout.js';

const template = { id: 3, name: 'restart', ask_timeout_on_launch: true };

function withTimeout(timeout?: string): WorkflowExecution {
  return {
    metadata: { name: 'w', namespace: 'n' },
    spec: {
      workflowRef: { workflowId: 'r', version: '1', executionBundle: 'quay.io/a/b:1' },
      targetResource: 'n/deployment/a',
      executionEngine: 'ansible',
      ...(timeout === undefined ? {} : { executionConfig: { timeout } }),
    },
  };
}

describe('the execution timeout on AWX', () => {
  it('reads executionConfig.timeout, refusing one that is not a positive duration', () => {
    expect(executionTimeoutMs(withTimeout())).toBeUndefined();
    expect(executionTimeoutMs(withTimeout('1m30s'))).toBe(90_000);
    expect(() => executionTimeoutMs(withTimeout('0s'))).toThrow(ConfigurationError);
  });

  it('goes to a template that prompts for it in whole seconds, rounded up', () => {
    expect(launchTimeout(undefined, template)).toEqual({});
    expect(launchTimeout(90_000, template)).toEqual({ seconds: 90 });
    expect(launchTimeout(1, template)).toEqual({ seconds: 1 });
    expect(launchTimeout(9_223_372_036_854, template)).toEqual({ seconds: 2_147_483_647 });
  });

  it('is left to the controller, with a warning, when the template does not prompt for it', () => {
    const fixed = { ...template, ask_timeout_on_launch: false };
    expect(launchTimeout(90_000, fixed)).toEqual({
      warning: expect.stringContaining(
        'does not prompt on launch for Timeout (ask_timeout_on_launch)',
      ),
    });
    expect(ignoredTimeoutWarning(template, { timeout: 90 })).toHaveLength(1);
    expect(ignoredTimeoutWarning(template, { limit: 'x' })).toEqual([]);
  });
});
