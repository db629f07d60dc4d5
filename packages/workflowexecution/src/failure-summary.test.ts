import { describe, expect, it } from 'vitest';
import { failureSummary } from './failure-summary.js';

describe('failureSummary', () => {
  it("tells the workflow, target, reason, error, run time and kubernaut's Recommendation line", () => {
    expect(
      failureSummary({
        reason: 'OOMKilled',
        message: 'Container exceeded memory limit',
        ranFor: '2m30s',
        workflowId: 'restart-pod',
        targetResource: 'default/deployment/my-app',
      }),
    ).toBe(
      [
        "Workflow 'restart-pod' failed on target 'default/deployment/my-app'.",
        'Reason: OOMKilled',
        'Error: Container exceeded memory limit',
        'Failed after: 2m30s',
        'Recommendation: raise the memory limit of the workflow container, or make it need less memory.',
      ].join('\n'),
    );
  });

  it('recommends RBAC permissions for a Forbidden failure', () => {
    const summary = failureSummary({
      reason: 'Forbidden',
      message: 'Service account lacks RBAC permissions',
      workflowId: 'restart-pod',
      targetResource: 'default/deployment/my-app',
    });
    const recommendation = summary.split('\n').find((line) => line.startsWith('Recommendation: '));
    expect(recommendation).toMatch(/RBAC permissions/);
  });

  it('names no recommendation where none would help', () => {
    expect(failureSummary({ reason: 'Unknown', message: '' })).toBe(
      'The workflow execution failed.\nReason: Unknown',
    );
  });
});
