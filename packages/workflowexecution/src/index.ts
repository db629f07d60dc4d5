export {
  createWorkflowExecutionController,
  type WorkflowExecutionControllerOptions,
} from './controller.js';
export { workflowExecutionCrd } from './crd.js';
export { ensureWorkflowExecutionCrd } from './install.js';
export {
  WorkflowExecutionReconciler,
  type WorkflowExecutionReconcilerOptions,
} from './reconciler.js';
export { cleanupFinalizer, workflowExecutions } from './resource.js';
