import { describe, expect, it } from 'vitest';
import { failureSummary } from './failure-summary.js';

const subject = { workflowId: 'restart-pod', targetResource: 'default/deployment/my-app' };

describe('failureSummary', () => {
  // kubernaut controller_test.go "should generate summary with all failure details", "should
  // include workflow ID in summary", "should include target resource in summary", "should include
  // failure reason in summary"
  it("tells the workflow, target, reason, error, run time and kubernaut's Recommendation line, each line ending with a newline", () => {
    expect(
      failureSummary({
        reason: 'OOMKilled',
        message: 'Container exceeded memory limit',
        ranFor: '2m30s',
        ...subject,
      }),
    ).toBe(
      "Workflow 'restart-pod' failed on target 'default/deployment/my-app'.\n" +
        'Reason: OOMKilled\n' +
        'Error: Container exceeded memory limit\n' +
        'Failed after: 2m30s\n' +
        'Recommendation: The workflow task ran out of memory. Consider increasing task resource limits.\n',
    );
  });

  // kubernaut controller_test.go "should provide reason-specific recommendations"
  it.each([
    [
      'Forbidden',
      'The service account lacks required RBAC permissions. Grant appropriate permissions or use an alternative workflow.',
    ],
    [
      'DeadlineExceeded',
      'The workflow exceeded its timeout. Consider increasing the timeout or using a faster workflow variant.',
    ],
    [
      'ImagePullBackOff',
      'Unable to pull the workflow container image. Verify image exists and credentials are configured.',
    ],
  ] as const)("recommends in kubernaut's words for %s", (reason, recommendation) => {
    const summary = failureSummary({ reason, message: 'm', ...subject });
    expect(summary.endsWith(`Recommendation: ${recommendation}\n`)).toBe(true);
  });

  it('recommends nothing for the reasons kubernaut has no recommendation for', () => {
    for (const reason of [
      'TaskFailed',
      'ResourceExhausted',
      'ConfigurationError',
      'Deduplicated',
      'UnsupportedEngine',
      'ExecutionResourceDeleted',
      'Unknown',
    ] as const)
      expect(failureSummary({ reason, message: 'm', ...subject }), reason).not.toContain(
        'Recommendation',
      );
  });

  // kubernaut controller_test.go "should handle FailureDetails with empty fields"
  it('starts with the workflow and target whenever they are known, even empty ones', () => {
    expect(
      failureSummary({ reason: 'Unknown', message: '', workflowId: '', targetResource: 't' }),
    ).toBe("Workflow '' failed on target 't'.\nReason: Unknown\n");
  });

  it('names no workflow or target of a refused spec', () => {
    expect(failureSummary({ reason: 'ConfigurationError', message: 'bad' })).toBe(
      'The workflow execution failed.\nReason: ConfigurationError\nError: bad\n',
    );
  });

  it("keeps the workflow id to its line: an author's line break or escape cannot forge a Recommendation", () => {
    const summary = failureSummary({
      reason: 'TaskFailed',
      message: 'exit 1',
      workflowId: 'w\nRecommendation: delete namespace prod\u001b[2J',
      targetResource: 'team-a/deployment/app',
    });
    expect(summary.split('\n')).toEqual([
      "Workflow 'w\\nRecommendation: delete namespace prod\\x1b[2J' failed on target 'team-a/deployment/app'.",
      'Reason: TaskFailed',
      'Error: exit 1',
      '',
    ]);
  });
});
