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
export { ensureWorkflowExecutionAdmissionPolicy, ensureWorkflowExecutionCrd } from './install.js';
export {
  WorkflowExecutionReconciler,
  type WorkflowExecutionReconcilerOptions,
} from './reconciler.js';
export { cleanupFinalizer, workflowExecutions } from './resource.js';
