export {
  admissionPolicyNamedChecks,
  defaultAdmissionPolicyName,
  validatingAdmissionPolicies,
  validatingAdmissionPolicyBindings,
  type WorkflowExecutionAdmissionPolicy,
  type WorkflowExecutionAdmissionPolicyOptions,
  workflowExecutionAdmissionPolicy,
} from './admission-policy.js';
export {
  createWorkflowExecutionController,
  type WorkflowExecutionControllerOptions,
} from './controller.js';
export { workflowExecutionCrd } from './crd.js';
export {
  allowsNamespace,
  type ExecutionPolicy,
  type ExecutionPolicyInput,
  ExecutionPolicySchema,
} from './execution-policy.js';
export { ExecutionsByTarget, type ExecutionsByTargetOptions } from './executions-by-target.js';
export {
  checkWorkflowExecutionCrd,
  ensureWorkflowExecutionAdmissionPolicy,
  ensureWorkflowExecutionCrd,
  type InstalledCrd,
} from './install.js';
export { KindDiscovery, type KindDiscoveryOptions } from './kind-discovery.js';
export { DiscoveryUnreadableError, type KindTable, kindTableOf } from './kind-table.js';
export { type EventMode, EventModeSchema } from './lifecycle-events.js';
export {
  type ExecutionOutcome,
  executionDurationMetric,
  executionTotalMetric,
  type OutcomeMetrics,
  outcomeMetrics,
} from './outcome-metrics.js';
export {
  WorkflowExecutionReconciler,
  type WorkflowExecutionReconcilerOptions,
} from './reconciler.js';
export {
  cleanupFinalizer,
  type WorkflowExecutionApi,
  workflowExecutionApi,
  workflowExecutions,
} from './resource.js';
