import { describe, expect, it } from 'vitest';
import * as exported from './index.js';

describe('@roundhouse/workflowexecution', () => {
  it('exports what a controller author uses, and no internal helper', () => {
    // checkWorkflowExecutionCrd is for a runtime of one's own (createWorkflowExecutionController
    // calls it); crdStatusGaps, what it compares, is not.
    expect(Object.keys(exported).sort()).toMatchInlineSnapshot(`
      [
        "DiscoveryUnreadableError",
        "EventModeSchema",
        "ExecutionPolicySchema",
        "ExecutionsByTarget",
        "KindDiscovery",
        "WorkflowExecutionReconciler",
        "admissionPolicyNamedChecks",
        "allowsNamespace",
        "checkWorkflowExecutionCrd",
        "cleanupFinalizer",
        "createWorkflowExecutionController",
        "defaultAdmissionPolicyName",
        "ensureWorkflowExecutionAdmissionPolicy",
        "ensureWorkflowExecutionCrd",
        "executionDurationMetric",
        "executionTotalMetric",
        "kindTableOf",
        "outcomeMetrics",
        "validatingAdmissionPolicies",
        "validatingAdmissionPolicyBindings",
        "workflowExecutionAdmissionPolicy",
        "workflowExecutionApi",
        "workflowExecutionCrd",
        "workflowExecutions",
      ]
    `);
  });
});
