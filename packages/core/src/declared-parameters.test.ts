import { describe, expect, it } from 'vitest';
import { withDeclaredParameters } from './declared-parameters.js';
import type { WorkflowExecution } from './workflow-execution.js';

const execution = (parameters?: Record<string, string>): WorkflowExecution => ({
  metadata: { name: 'w', namespace: 'team-a' },
  spec: {
    workflowRef: { workflowId: 'restart', version: '1', executionBundle: 'registry.invalid/r:1' },
    targetResource: 'team-a/deployment/app',
    executionEngine: 'job',
    ...(parameters ? { parameters } : {}),
  },
});

describe('withDeclaredParameters', () => {
  it('passes every parameter when no schema is known', () => {
    const wfe = execution({ A: '1', B: '2' });
    expect(withDeclaredParameters(wfe, undefined)).toEqual({ wfe, warnings: [] });
  });

  it('drops undeclared parameters and names them, never their values', () => {
    const wfe = execution({ TIMEOUT: '30s', SECRET_KEY: 'leaked', MODE: 'fast' });
    const { wfe: declared, warnings } = withDeclaredParameters(wfe, ['TIMEOUT', 'MODE', 'UNUSED']);
    expect(declared.spec.parameters).toEqual({ TIMEOUT: '30s', MODE: 'fast' });
    expect(warnings).toEqual([
      'parameters the workflow does not declare were not passed to it: SECRET_KEY',
    ]);
    expect(warnings.join()).not.toContain('leaked');
    expect(wfe.spec.parameters).toHaveProperty('SECRET_KEY');
  });

  it('drops every parameter when the workflow declares none', () => {
    const { wfe, warnings } = withDeclaredParameters(execution({ B: '2', A: '1' }), []);
    expect(wfe.spec.parameters).toEqual({});
    expect(warnings).toEqual([
      'parameters the workflow does not declare were not passed to it: A, B',
    ]);
  });

  it('changes nothing when every parameter is declared, or there are none', () => {
    const all = execution({ A: '1' });
    expect(withDeclaredParameters(all, ['A'])).toEqual({ wfe: all, warnings: [] });
    const none = execution();
    expect(withDeclaredParameters(none, [])).toEqual({ wfe: none, warnings: [] });
  });
});
