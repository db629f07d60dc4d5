import { ExecutionForbiddenError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { enforceJobTemplatePolicy, isAllowedJobTemplate } from './template-policy.js';

describe('job template policy', () => {
  it('matches exact names, prefixes ending in * and *', () => {
    expect(isAllowedJobTemplate(['restart-pod'], 'restart-pod')).toBe(true);
    expect(isAllowedJobTemplate(['restart-pod'], 'restart-pod-2')).toBe(false);
    expect(isAllowedJobTemplate(['team-a/*', 'deploy-*'], 'deploy-web')).toBe(true);
    expect(isAllowedJobTemplate(['deploy-*'], 'Deploy-web')).toBe(false);
    expect(isAllowedJobTemplate(['*'], 'anything at all')).toBe(true);
    expect(isAllowedJobTemplate([], 'restart-pod')).toBe(false);
  });

  it('leaves the choice to AWX when no list is configured', () => {
    expect(() => enforceJobTemplatePolicy('wipe-cluster', undefined)).not.toThrow();
  });

  it('refuses a template outside the list, naming the field and what is allowed', () => {
    const refusal = () => enforceJobTemplatePolicy('wipe-cluster', ['restart-*']);
    expect(refusal).toThrow(ExecutionForbiddenError);
    expect(refusal).toThrow(
      'spec.workflowRef.engineConfig.jobTemplateName: job template "wipe-cluster" is not among those this controller lets executions launch (restart-*); ask the operator to allow it',
    );
    expect(() => enforceJobTemplatePolicy('x', [])).toThrow('(it allows none)');
  });

  it('quotes a hostile name escaped and shortened', () => {
    const name = `evil\u001b[2J${'a'.repeat(500)}`;
    let message = '';
    try {
      enforceJobTemplatePolicy(name, ['restart-*']);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('"evil\\u001b[2J');
    expect(message).not.toContain('\u001b');
    expect(message.length).toBeLessThan(300);
  });
});
